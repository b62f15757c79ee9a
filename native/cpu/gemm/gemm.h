// Our own single-precision GEMM (issue 9): packed, cache-blocked, register-tiled, with
// AVX-512, AVX2/FMA and portable microkernels picked at run time from the CPU's features
// (never from OPENBLAS_CORETYPE). Row-major, BLAS semantics:
//   C (M x N, row stride ldc) = alpha * op(A) op(B) + beta * C
// op(A) is M x K: A[i*lda + k], or with transA A[k*lda + i] (A stored K x M).
// op(B) is K x N: B[k*ldb + j], or with transB B[j*ldb + k] (B stored N x K).
// beta == 0 never reads C (it may hold NaN); alpha == 0 or K == 0 never reads A or B.
// Each C element is summed in the same order whatever the thread count or the tiling, so
// results depend only on (M-independent) K blocking and the ISA: identical at 1 and N threads.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../../core/exec.h"

namespace tf {
namespace gemm {

// kAvx512Emu: test-only, the AVX-512 tile geometry run on AVX2 (never chosen by bestIsa).
enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kAvx512Emu = 3 };
const char* isaName(Isa isa);
// The best ISA this CPU (and OS) runs, capped by TAPEFLOW_GEMM_ISA=scalar|avx2|avx512 read at load.
Isa bestIsa();
// The ISA sgemm uses now (bestIsa() unless setActiveIsa changed it).
Isa activeIsa();
// Test hook: picks the ISA (capped by what the CPU runs); returns the one now active. Not
// to be called while a GEMM runs on another thread.
Isa setActiveIsa(Isa isa);

// Whether lib's matmul may hand products to our sgemm (native/cpu/matmul.cc ownSgemm); on by
// default, switched off by the bench hook to compare against OpenBLAS in one process.
bool matmulRoute();
void setMatmulRoute(bool on);

// A matrix packed once (e.g. conv weights) for many products: full-K slivers in the layout
// of the ISA active when it was packed (kept here, so a later ISA switch stays correct).
// `data` points into caller-owned memory of packedFloats(...) floats, 64-byte aligned.
struct PackedA {  // op(A), M x K
  const float* data = nullptr;
  int64_t M = 0, K = 0;
  Isa isa = Isa::kScalar;
};
struct PackedB {  // op(B), K x N
  const float* data = nullptr;
  int64_t K = 0, N = 0;
  Isa isa = Isa::kScalar;
};
// The layout, for a caller that writes packed data itself (e.g. im2col straight into PackedB):
// PackedB: sliver s = columns [s*nr, s*nr + nr) of op(B) at data + s*K*nr, its row k at + k*nr
// (columns past N zero); PackedA: sliver s = rows [s*mr, s*mr + mr) at data + s*K*mr, element
// (row s*mr + r, k) at + k*mr + r (rows past M never read). mr, nr: the active ISA's tile.
int packedMR();
int packedNR();
int64_t packedAFloats(int64_t M, int64_t K);
int64_t packedBFloats(int64_t K, int64_t N);
PackedA packA(bool transA, int64_t M, int64_t K, const float* A, int64_t lda, float* dst);
PackedB packB(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb, float* dst);

}  // namespace gemm

// Threaded over ex.pool() (M/N chunks, no shared outputs) once the product is big enough.
// Do not call from inside a pool job (use sgemmSerial there).
void sgemm(const Exec& ex, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// The calling thread alone, with this thread's own packing scratch: for a kernel's
// parallelFor body (e.g. conv, one image per task).
void sgemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// With one operand packed beforehand (M, N, K must match it).
void sgemmSerial(const gemm::PackedA& A, bool transB, int64_t N, float alpha, const float* B, int64_t ldb, float beta,
                 float* C, int64_t ldc);
void sgemmSerial(bool transA, int64_t M, float alpha, const float* A, int64_t lda, const gemm::PackedB& B, float beta,
                 float* C, int64_t ldc);
// Both operands packed beforehand (A.K == B.K).
void sgemmSerial(const gemm::PackedA& A, const gemm::PackedB& B, float alpha, float beta, float* C, int64_t ldc);
void sgemm(const Exec& ex, const gemm::PackedA& A, bool transB, int64_t N, float alpha, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc);
void sgemm(const Exec& ex, bool transA, int64_t M, float alpha, const float* A, int64_t lda, const gemm::PackedB& B,
           float beta, float* C, int64_t ldc);

}  // namespace tf
