#include "threadpool.h"

#include <chrono>
#include <cstdlib>
#include <sched.h>

namespace tf {

// After a job, workers keep polling for the next one for a short while before they
// sleep on the condition variable. Back-to-back ops then start on a warm thread whose
// half of the data is still in its cache (2-3x on memory-bound kernels at 2 threads);
// polling yields the core at once to any other runnable thread (e.g. OpenBLAS's), so
// it never slows BLAS work that follows.
static int64_t spinNanos() {
  if (const char* v = std::getenv("TAPEFLOW_SPIN_US")) {
    long us = std::atol(v);
    if (us >= 0) return (int64_t)us * 1000;
  }
  return 100 * 1000;
}

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static inline int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

ThreadPool::ThreadPool(int threads) : spinNs_(spinNanos()) { start(threads); }
ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int threads) {
  if (threads < 1) threads = 1;
  nthreads_ = threads;
  quit_.store(false);
  // The generation is read here, not in the new thread: a job posted before the thread
  // first runs must still count as new to it.
  const uint64_t g0 = generation_.load();
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, g0] { workerLoop(g0); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_.store(true);
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

void ThreadPool::workerLoop(uint64_t seen) {
  for (;;) {
    // Poll for a while, yielding the core to anything else runnable, then sleep.
    int64_t deadline = nowNs() + spinNs_;
    for (int i = 0; generation_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_relaxed); i++) {
      if (i < 64) {
        cpuRelax();
        continue;
      }
      if ((i & 15) == 0 && nowNs() > deadline) break;
      sched_yield();
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return quit_.load() || generation_.load() != seen; });
    }
    if (quit_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    // The job fields were written before the generation was bumped (release) and stay
    // fixed until every worker has decremented pending_.
    const std::function<void(int64_t, int64_t)>* job = job_;
    const int64_t n = jobN_;
    const int parts = jobParts_;
    for (int p; (p = nextPart_.fetch_add(1)) < parts;) {
      int64_t b = n * p / parts, e = n * (p + 1) / parts;
      try {
        (*job)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mu_);
      doneCv_.notify_one();
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
    pending_.store((int)workers_.size());
    error_ = nullptr;
    generation_.fetch_add(1, std::memory_order_release);
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
  // Workers finish within microseconds of us on balanced parts: poll before sleeping.
  for (int i = 0; i < 20000 && pending_.load(std::memory_order_acquire) != 0; i++) {
    if (i < 256) cpuRelax();
    else sched_yield();
  }
  std::exception_ptr err;
  {
    std::unique_lock<std::mutex> lk(mu_);
    doneCv_.wait(lk, [&] { return pending_.load() == 0; });
    err = error_;
    error_ = nullptr;
    job_ = nullptr;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace tf
