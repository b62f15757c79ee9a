#include "threadpool.h"

namespace tf {

ThreadPool::ThreadPool(int threads) { start(threads); }
ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int threads) {
  if (threads < 1) threads = 1;
  nthreads_ = threads;
  quit_ = false;
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { workerLoop(i); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads == nthreads_) return;
  stop();
  start(threads);
}

void ThreadPool::workerLoop(int) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t)>* job;
    int64_t n;
    int parts;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      job = job_;
      n = jobN_;
      parts = jobParts_;
    }
    for (int p; (p = nextPart_.fetch_add(1)) < parts;) {
      int64_t b = n * p / parts, e = n * (p + 1) / parts;
      try {
        (*job)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (--pending_ == 0) doneCv_.notify_one();
    }
  }
}

void ThreadPool::runParallel(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  int64_t maxParts = n / grain;
  int parts = (int)(maxParts < nthreads_ ? maxParts : nthreads_);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &fn;
    jobN_ = n;
    jobParts_ = parts;
    nextPart_.store(0);
    pending_ = (int)workers_.size();
    error_ = nullptr;
    generation_++;
  }
  cv_.notify_all();
  for (int p; (p = nextPart_.fetch_add(1)) < parts;) {
    int64_t b = n * p / parts, e = n * (p + 1) / parts;
    try {
      fn(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!error_) error_ = std::current_exception();
    }
  }
  std::exception_ptr err;
  {
    std::unique_lock<std::mutex> lk(mu_);
    doneCv_.wait(lk, [&] { return pending_ == 0; });
    err = error_;
    error_ = nullptr;
    job_ = nullptr;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace tf
