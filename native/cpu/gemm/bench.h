// Machine figures and GEMM timings for the bench's `peak` and `gemm` rows (bench/cases-gemm.js).
#pragma once
#include <cstdint>

#include "../../core/exec.h"
#include "gemm.h"

namespace tf {
namespace gemm {

// GFLOP/s of one core running independent FMAs on registers (2 flops per lane), at `isa`'s
// vector width (kAvx512: 512-bit, kAvx2: 256-bit); 0 when this CPU lacks it.
double fmaPeakGflops(Isa isa);
// STREAM triad a = b + s*c over 3 float arrays of 32 MiB each (far beyond L3): GB/s counting
// 12 bytes per element, on `threads` of ex's pool (1 = the calling thread alone).
double triadGBs(const Exec& ex, int threads);
// Seconds per call of C = A B (float32, random data allocated and touched here, beta 0): ours
// (sgemm over ex's pool) or, with cblas, OpenBLAS's cblas_sgemm at its own thread setting.
double benchGemmSeconds(const Exec& ex, bool cblas, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                        int64_t iters);

}  // namespace gemm
}  // namespace tf
