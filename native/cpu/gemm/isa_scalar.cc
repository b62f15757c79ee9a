// The portable microkernels: plain C++ on floats, a 4 x 4 tile of scalar accumulators. The
// fallback for CPUs without AVX2/FMA (and what TAPEFLOW_GEMM_ISA=scalar forces).
#include <cstdint>

#include "kernels.h"
#include "micro.h"

namespace tf {
namespace gemm {
namespace {

struct Scalar {
  using V = float;
  static constexpr int W = 1, MR = 4, NV = 4;
  static inline V zero() { return 0.0f; }
  static inline V set1(float x) { return x; }
  static inline V load(const float* p) { return *p; }
  static inline V bcast(const float* p) { return *p; }
  static inline V fma(V a, V b, V c) { return a * b + c; }
  static inline V mul(V a, V b) { return a * b; }
  static inline V loadN(const float* p, int) { return *p; }  // W == 1: never partial
  static inline void store(float* p, V x) { *p = x; }
  static inline void storeN(float* p, V x, int) { *p = x; }
};

constexpr KernelSet kSet = makeKernelSet<Scalar>("scalar", 256, 64, 512);

}  // namespace

const KernelSet& scalarKernels() { return kSet; }

}  // namespace gemm
}  // namespace tf
