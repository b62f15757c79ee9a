#include "threadpool.h"

#include <chrono>
#include <cstdlib>
#include <sched.h>
#include <string>

#include "error.h"

namespace tf {

// After a job, workers keep polling for the next one for 1 ms before they sleep on the
// condition variable (OpenMP runtimes poll for 200 ms). Waking a sleeping thread costs
// tens of microseconds in a VM, so in a training step, whose parallel ops come a few
// hundred microseconds apart, a shorter poll made a 2-thread Adam step slower than a
// 1-thread one (82 vs 45 us). Polling yields the core to anything else runnable, and
// park() ends it before a threaded OpenBLAS call.
static int64_t spinNanos() {
  if (const char* v = std::getenv("TAPEFLOW_SPIN_US")) {
    long us = std::atol(v);
    if (us >= 0) return (int64_t)us * 1000;
  }
  return 1000 * 1000;
}

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static inline int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

ThreadPool::ThreadPool(int threads) : spinNs_(spinNanos()) {
  try {
    start(threads);
  } catch (...) {
    start(1);  // the system would not give us the threads: run everything inline
  }
}
ThreadPool::~ThreadPool() { stop(); }

int ThreadPool::maxThreads() {
  unsigned hc = std::thread::hardware_concurrency();
  int cap = hc ? 4 * (int)hc : 64;
  return cap < 64 ? 64 : cap;
}

void ThreadPool::start(int threads) {
  if (threads < 1) threads = 1;
  quit_.store(false);
  // The generation is read here, not in the new thread: a job posted before the thread
  // first runs must still count as new to it.
  const uint64_t g0 = generation_.load();
  try {
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, g0] { workerLoop(g0); });
  } catch (...) {
    // Out of threads or memory part-way: end those that did start, so nthreads_ never
    // counts workers that do not exist.
    stop();
    nthreads_ = 1;
    throw;
  }
  nthreads_ = threads;
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
  const int prev = nthreads_;
  stop();
  try {
    start(threads);
  } catch (const std::exception& e) {
    const std::string why = e.what();
    try {
      start(prev);
    } catch (...) {
      start(1);  // cannot throw: no thread to create
    }
    fail("ERR_OUT_OF_MEMORY", "setNumThreads: could not start " + std::to_string(threads) + " threads (" + why +
                                  "); still using " + std::to_string(nthreads_));
  }
}

void ThreadPool::runParts(uint64_t gen) {
  const uint64_t tag = gen & 0xffffffffu;
  for (;;) {
    uint64_t c = claim_.load(std::memory_order_acquire);
    if ((c >> 32) != tag) return;  // a newer job replaced it: nothing of ours is left
    const int part = (int)(c & 0xffffffffu);
    if (part >= jobParts_.load(std::memory_order_acquire)) return;
    if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
    // Part `part` of job `gen` is ours; the job's fields stay fixed until it is done.
    const int parts = jobParts_.load(std::memory_order_relaxed);
    const int64_t n = jobN_;
    const int64_t b = n * part / parts, e = n * (part + 1) / parts;
    try {
      (*job_)(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!error_) error_ = std::current_exception();
    }
    doneParts_.fetch_add(1, std::memory_order_acq_rel);
  }
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
      if ((i & 15) == 0 && (nowNs() > deadline || parked_.load(std::memory_order_relaxed))) break;
      sched_yield();
    }
    if (generation_.load(std::memory_order_acquire) == seen && !quit_.load()) {
      std::unique_lock<std::mutex> lk(mu_);
      sleepers_.fetch_add(1);
      cv_.wait(lk, [&] { return quit_.load() || generation_.load() != seen; });
      sleepers_.fetch_sub(1);
    }
    if (quit_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    runParts(seen);
  }
}

void ThreadPool::runParallel(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  int64_t maxParts = n / grain;
  int parts = (int)(maxParts < nthreads_ ? maxParts : nthreads_);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  // The previous job is complete (every part done), so no worker still uses its fields.
  const uint64_t gen = generation_.load(std::memory_order_relaxed) + 1;
  parked_.store(false, std::memory_order_relaxed);
  job_ = &fn;
  jobN_ = n;
  error_ = nullptr;
  doneParts_.store(0, std::memory_order_relaxed);
  jobParts_.store(parts, std::memory_order_relaxed);
  claim_.store((gen & 0xffffffffu) << 32, std::memory_order_release);
  generation_.store(gen, std::memory_order_seq_cst);
  // A worker counts itself in sleepers_ (under mu_) before it re-checks the generation and
  // waits, so either it sees the new generation or we see it and wake it here.
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lk(mu_);
    cv_.notify_all();
  }
  // Take parts ourselves too: a worker that is asleep (waking one costs tens of us in a
  // VM) never holds the job up, since whatever it has not claimed yet we run here.
  runParts(gen);
  // Only parts already claimed by running workers remain.
  for (int i = 0; doneParts_.load(std::memory_order_acquire) < parts; i++) {
    if (i < 256) cpuRelax();
    else sched_yield();
  }
  std::exception_ptr err;
  {
    std::lock_guard<std::mutex> lk(mu_);
    err = error_;
    error_ = nullptr;
  }
  job_ = nullptr;
  if (err) std::rethrow_exception(err);
}

}  // namespace tf
