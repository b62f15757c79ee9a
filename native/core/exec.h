// The execution context a kernel runs in: its device and what that device runs work on
// (the CPU thread pool today; a CUDA stream on the GPU). Kernels take `const Exec&`
// instead of a ThreadPool&, so a second device or an off-thread queue changes no kernel.
#pragma once
#include "device.h"
#include "threadpool.h"

namespace tf {

struct Backend;

struct Exec {
  int device = kCpu;
  const Backend* backend = nullptr;
  ThreadPool* cpuPool = nullptr;  // the environment's pool (CPU kernels, and host-side work of other devices)
  void* stream = nullptr;         // cudaStream_t on a CUDA device; null = the default stream

  ThreadPool& pool() const { return *cpuPool; }

  // Runs the part of an op that touches tensor data. Bindings validate and allocate first
  // (on the JS thread), then hand a callable over raw pointers and copied layouts to run();
  // today it runs at once, a later async queue runs it elsewhere — the callable must not
  // touch JS or anything the binding's stack owns.
  template <typename F>
  void run(F&& kernel) const {
    kernel();
  }
};

}  // namespace tf
