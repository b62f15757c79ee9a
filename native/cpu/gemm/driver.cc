// The blocked GEMM driver (the BLIS loop nest): for each nc-wide column block of C, for each
// kc-deep slice of K, pack that B block; for each mc-high row block, pack the A block; then
// run the microkernel over the mr x nr tiles. Threads take whole chunks of C.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../../core/error.h"
#include "gemm.h"
#include "kernels.h"
#include "pack.h"

namespace tf {
namespace gemm {
namespace {

// An operand as the driver reads it: raw (p, ld, trans) or packed in full-K slivers.
struct OpA {
  const float* p;
  int64_t ld;
  bool trans, packed;
  OpA rows(int64_t i0, int64_t K, int mr) const {
    OpA o = *this;
    o.p = packed ? p + (i0 / mr) * K * mr : trans ? p + i0 : p + i0 * ld;
    return o;
  }
};
struct OpB {
  const float* p;
  int64_t ld;
  bool trans, packed;
  OpB cols(int64_t j0, int64_t K, int nr) const {
    OpB o = *this;
    o.p = packed ? p + (j0 / nr) * K * nr : trans ? p + j0 * ld : p + j0;
    return o;
  }
};

// Packing buffers, one pair per thread, kept between calls (grown, never shrunk): no
// allocation and no first-touch page faults once warm.
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  ~Scratch() { std::free(p); }
  float* get(size_t floats) {
    if (floats > cap) {
      std::free(p);
      p = nullptr;
      cap = 0;
      const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p) fail("ERR_OUT_OF_MEMORY", "sgemm: out of memory for a packing buffer of " + std::to_string(bytes) + " bytes");
      cap = floats;
    }
    return p;
  }
};
thread_local Scratch tlA, tlB;

// n split into equal blocks of at most `most`, rounded up to a multiple of `align`.
int64_t blockSize(int64_t n, int64_t most, int64_t align) {
  const int64_t blocks = (n + most - 1) / most;
  const int64_t b = (n + blocks - 1) / blocks;
  return (b + align - 1) / align * align;
}

void scaleC(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  if (beta == 1.0f) return;
  for (int64_t i = 0; i < M; i++) {
    float* c = C + i * ldc;
    if (beta == 0.0f) std::memset(c, 0, sizeof(float) * (size_t)N);
    else for (int64_t j = 0; j < N; j++) c[j] *= beta;
  }
}

// M, N, K >= 1, alpha != 0. The K blocking depends on K and the ISA only, so every element
// is summed in the same order however M and N are chunked.
void serialCore(const KernelSet& ks, int64_t M, int64_t N, int64_t K, float alpha, OpA a, OpB b, float beta, float* C,
                int64_t ldc) {
  const int mr = ks.mr, nr = ks.nr, w = ks.w;
  const int64_t kcB = blockSize(K, ks.kc, 1), mcB = blockSize(M, ks.mc, mr), ncB = blockSize(N, ks.nc, nr);
  float* bufB = b.packed ? nullptr : tlB.get((size_t)(kcB * ncB));
  float* bufA = a.packed ? nullptr : tlA.get((size_t)(kcB * mcB));
  for (int64_t jc = 0; jc < N; jc += ncB) {
    const int64_t nc = std::min(ncB, N - jc);
    for (int64_t pc = 0; pc < K; pc += kcB) {
      const int64_t kc = std::min(kcB, K - pc);
      const float betaK = pc == 0 ? beta : 1.0f;
      const float* bp;
      int64_t bStride;
      if (b.packed) {
        bp = b.p + (jc / nr) * K * nr + pc * nr;
        bStride = K * nr;
      } else {
        packBSlivers(b.trans, b.p, b.ld, pc, kc, jc, nc, nr, bufB, kc * nr);
        bp = bufB;
        bStride = kc * nr;
      }
      for (int64_t ic = 0; ic < M; ic += mcB) {
        const int64_t mc = std::min(mcB, M - ic);
        const float* ap;
        int64_t aStride;
        if (a.packed) {
          ap = a.p + (ic / mr) * K * mr + pc * mr;
          aStride = K * mr;
        } else {
          packASlivers(a.trans, a.p, a.ld, ic, mc, pc, kc, mr, bufA, kc * mr);
          ap = bufA;
          aStride = kc * mr;
        }
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int n = (int)std::min<int64_t>(nr, nc - jr);
          const int nv = (n + w - 1) / w;
          const int nLast = n - (nv - 1) * w;
          const float* bs = bp + (jr / nr) * bStride;
          float* c = C + ic * ldc + jc + jr;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int m = (int)std::min<int64_t>(mr, mc - ir);
            ks.micro[m - 1][nv - 1](kc, ap + (ir / mr) * aStride, bs, c + ir * ldc, ldc, alpha, betaK, nLast);
          }
        }
      }
    }
  }
}

// Below this many multiply-adds per thread a product stays on the calling thread: waking a
// worker costs ~5-10 us here, ~0.5 M multiply-adds of AVX2 work.
constexpr double kMacsPerTask = 512.0 * 1024;

void run(const Exec* ex, const KernelSet& ks, int64_t M, int64_t N, int64_t K, float alpha, OpA a, OpB b, float beta,
         float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) return scaleC(M, N, beta, C, ldc);
  const double macs = (double)M * (double)N * (double)K;
  int T = ex ? ex->pool().numThreads() : 1;
  T = (int)std::min<double>(T, std::max(1.0, macs / kMacsPerTask));
  const int64_t rowTiles = (M + ks.mr - 1) / ks.mr, colTiles = (N + ks.nr - 1) / ks.nr;
  // A T = tm x tn grid of chunks; each chunk packs its own A rows and B columns, so pick the
  // grid that repacks least (tn copies of A, tm of B).
  int tm = 1, tn = 1;
  for (; T > 1; T--) {
    double best = -1;
    for (int m = 1; m <= T; m++) {
      if (T % m || m > rowTiles || T / m > colTiles) continue;
      const double cost = (double)(T / m) * (double)M + (double)m * (double)N;
      if (best < 0 || cost < best) best = cost, tm = m, tn = T / m;
    }
    if (best >= 0) break;
  }
  if (T <= 1) return serialCore(ks, M, N, K, alpha, a, b, beta, C, ldc);
  if (a.packed && tm == 1) {
    // A packed ahead (conv weights) and the grid one row of chunks: no chunk repacks anything the
    // others pack, so cut N finer, up to 3 chunks per thread, claimed as threads come free (a
    // batch-1 17x17 layer, 19 column tiles: 10 / 9 with one chunk per thread, the last tile 1 wide)
    const int64_t chunks = std::min<int64_t>(colTiles, 3 * (int64_t)tn), per = (colTiles + chunks - 1) / chunks * ks.nr;
    std::atomic<int64_t> next{0};
    ex->pool().parallelFor(tn, 1, [&](int64_t, int64_t) {
      for (int64_t j0 = next.fetch_add(per); j0 < N; j0 = next.fetch_add(per))
        serialCore(ks, M, std::min(per, N - j0), K, alpha, a, b.cols(j0, K, ks.nr), beta, C + j0, ldc);
    });
    return;
  }
  const int64_t rowsPer = (rowTiles + tm - 1) / tm * ks.mr, colsPer = (colTiles + tn - 1) / tn * ks.nr;
  ex->pool().parallelFor(tm * tn, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t i0 = (t / tn) * rowsPer, j0 = (t % tn) * colsPer;
      if (i0 >= M || j0 >= N) continue;
      serialCore(ks, std::min(rowsPer, M - i0), std::min(colsPer, N - j0), K, alpha, a.rows(i0, K, ks.mr),
                 b.cols(j0, K, ks.nr), beta, C + i0 * ldc + j0, ldc);
    }
  });
}

[[noreturn]] void badArg(const std::string& msg) { fail("ERR_ARGUMENT", "sgemm: " + msg); }

void checkDims(int64_t M, int64_t N, int64_t K, int64_t ldc) {
  if (M < 0 || N < 0 || K < 0)
    badArg("negative size M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
  if (ldc < std::max<int64_t>(1, N)) badArg("ldc " + std::to_string(ldc) + " < N=" + std::to_string(N));
}
void checkLd(const char* name, int64_t ld, int64_t cols) {
  if (ld < std::max<int64_t>(1, cols)) badArg(std::string(name) + " " + std::to_string(ld) + " < " + std::to_string(cols));
}
OpA rawA(bool transA, int64_t M, int64_t K, const float* A, int64_t lda) {
  checkLd("lda", lda, transA ? M : K);
  return OpA{A, lda, transA, false};
}
OpB rawB(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb) {
  checkLd("ldb", ldb, transB ? K : N);
  return OpB{B, ldb, transB, false};
}

}  // namespace

int packedMR() { return kernelsFor(activeIsa()).mr; }
int packedNR() { return kernelsFor(activeIsa()).nr; }

int64_t packedAFloats(int64_t M, int64_t K) {
  const int mr = kernelsFor(activeIsa()).mr;
  return (M + mr - 1) / mr * mr * K;
}
int64_t packedBFloats(int64_t K, int64_t N) {
  const int nr = kernelsFor(activeIsa()).nr;
  return (N + nr - 1) / nr * nr * K;
}

PackedA packA(bool transA, int64_t M, int64_t K, const float* A, int64_t lda, float* dst) {
  checkDims(M, 1, K, 1);
  PackedA p{dst, M, K, activeIsa()};
  if (M > 0 && K > 0) {
    rawA(transA, M, K, A, lda);
    const int mr = kernelsFor(p.isa).mr;
    packASlivers(transA, A, lda, 0, M, 0, K, mr, dst, K * mr);
  }
  return p;
}

PackedB packB(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb, float* dst) {
  checkDims(1, N, K, std::max<int64_t>(1, N));
  PackedB p{dst, K, N, activeIsa()};
  if (N > 0 && K > 0) {
    rawB(transB, K, N, B, ldb);
    const int nr = kernelsFor(p.isa).nr;
    packBSlivers(transB, B, ldb, 0, K, 0, N, nr, dst, K * nr);
  }
  return p;
}

}  // namespace gemm

using gemm::OpA;
using gemm::OpB;

void sgemm(const Exec& ex, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm::checkDims(M, N, K, ldc);
  gemm::run(&ex, gemm::kernelsFor(gemm::activeIsa()), M, N, K, alpha, gemm::rawA(transA, M, K, A, lda),
            gemm::rawB(transB, K, N, B, ldb), beta, C, ldc);
}

void sgemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm::checkDims(M, N, K, ldc);
  gemm::run(nullptr, gemm::kernelsFor(gemm::activeIsa()), M, N, K, alpha, gemm::rawA(transA, M, K, A, lda),
            gemm::rawB(transB, K, N, B, ldb), beta, C, ldc);
}

void sgemm(const Exec& ex, const gemm::PackedA& A, bool transB, int64_t N, float alpha, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc) {
  gemm::checkDims(A.M, N, A.K, ldc);
  gemm::run(&ex, gemm::kernelsFor(A.isa), A.M, N, A.K, alpha, OpA{A.data, 0, false, true},
            gemm::rawB(transB, A.K, N, B, ldb), beta, C, ldc);
}

void sgemm(const Exec& ex, bool transA, int64_t M, float alpha, const float* A, int64_t lda, const gemm::PackedB& B,
           float beta, float* C, int64_t ldc) {
  gemm::checkDims(M, B.N, B.K, ldc);
  gemm::run(&ex, gemm::kernelsFor(B.isa), M, B.N, B.K, alpha, gemm::rawA(transA, M, B.K, A, lda),
            OpB{B.data, 0, false, true}, beta, C, ldc);
}

void sgemmSerial(const gemm::PackedA& A, bool transB, int64_t N, float alpha, const float* B, int64_t ldb, float beta,
                 float* C, int64_t ldc) {
  gemm::checkDims(A.M, N, A.K, ldc);
  gemm::run(nullptr, gemm::kernelsFor(A.isa), A.M, N, A.K, alpha, OpA{A.data, 0, false, true},
            gemm::rawB(transB, A.K, N, B, ldb), beta, C, ldc);
}

void sgemmSerial(bool transA, int64_t M, float alpha, const float* A, int64_t lda, const gemm::PackedB& B, float beta,
                 float* C, int64_t ldc) {
  gemm::checkDims(M, B.N, B.K, ldc);
  gemm::run(nullptr, gemm::kernelsFor(B.isa), M, B.N, B.K, alpha, gemm::rawA(transA, M, B.K, A, lda),
            OpB{B.data, 0, false, true}, beta, C, ldc);
}

void sgemmSerial(const gemm::PackedA& A, const gemm::PackedB& B, float alpha, float beta, float* C, int64_t ldc) {
  gemm::checkDims(A.M, B.N, A.K, ldc);
  if (A.K != B.K || A.isa != B.isa) gemm::badArg("packed operands of different K or ISA");
  gemm::run(nullptr, gemm::kernelsFor(A.isa), A.M, B.N, A.K, alpha, OpA{A.data, 0, false, true},
            OpB{B.data, 0, false, true}, beta, C, ldc);
}

}  // namespace tf
