// A small pool for elementwise and reduction kernels. Work below a grain size runs
// inline on the calling thread, so small ops never pay to wake threads (the reason
// PyTorch is 2-3x slower on 2 threads than 1 for an MLP step on this machine).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tf {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int numThreads() const { return nthreads_; }
  // The largest count setNumThreads accepts: 4 per core, at least 64.
  static int maxThreads();
  // Restarts the pool with `threads` threads. When the system refuses them, the pool keeps
  // its previous count (or one thread) and tf::Error(ERR_OUT_OF_MEMORY) is thrown.
  void resize(int threads);
  // Sends polling workers to sleep now (until the next parallel job): called before work
  // that brings its own threads (a threaded OpenBLAS call), so ours do not compete with
  // them for the cores.
  void park() { parked_.store(true, std::memory_order_relaxed); }

  // Splits [0, n) into contiguous ranges and calls fn(begin, end) on them, in
  // parallel when n >= grain and the pool has more than one thread. Exceptions
  // thrown by fn are rethrown on the caller's thread. Small work calls fn inline
  // without wrapping it in a std::function (which would allocate).
  template <typename F>
  void parallelFor(int64_t n, int64_t grain, F&& fn) {
    if (n <= 0) return;
    if (nthreads_ <= 1 || grain <= 0 || n < 2 * grain) {
      fn(int64_t(0), n);
      return;
    }
    const std::function<void(int64_t, int64_t)> f(std::ref(fn));
    runParallel(n, grain, f);
  }

 private:
  void runParallel(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
  void start(int threads);
  void stop();
  void workerLoop(uint64_t seenGeneration);
  // Claims and runs parts of job `gen` until none is left (caller and workers alike).
  void runParts(uint64_t gen);

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> parked_{false};
  // The job: fixed from its posting until every part is done.
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t jobN_ = 0;
  std::atomic<int> jobParts_{0};
  // (low 32 bits of the job's generation) << 32 | next unclaimed part. A part is taken by
  // compare-exchange, so a worker that wakes late can never take a part of a newer job.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> doneParts_{0};
  std::exception_ptr error_;
  int64_t spinNs_;
};

// Elements per task below which a kernel stays on one thread: waking a sleeping
// thread costs ~5-10 us here, about what 32K float adds cost.
constexpr int64_t kGrainElementwise = 32768;

}  // namespace tf
