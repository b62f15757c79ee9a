// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11 — the generator
// PyTorch, JAX and TensorFlow use). A (seed, counter) pair maps to four 32-bit words with
// no hidden state, so element i of a call is a pure function of (seed, offset + i / E)
// where E is the number of elements one counter feeds. Results do not depend on the
// thread count, and a caller that knows how many counters a call used can continue the
// stream exactly (lib/ops/random.ts keeps (seed, offset) and advances offset).
//
// Counter layout: ctr = {index lo, index hi, attempt, 0}, key = {seed lo, seed hi}.
// "attempt" is non-zero only for redraws (truncated normal).
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

enum RandomKind : int {
  kRandUniform = 0,    // a + (b - a) * U[0,1), float dtypes; result always < b when b > a
  kRandNormal = 1,     // a + b * N(0,1) (Box-Muller), float dtypes
  kRandTruncNormal = 2,  // a + b * z, z ~ N(0,1) redrawn until |z| <= 2, float dtypes
  kRandInt = 3,        // integers in [a, b) (64-bit multiply-shift), any numeric dtype but bool
  kRandBernoulli = 4,  // 1 with probability a, else 0, any dtype
};

// The raw generator (Random123 philox4x32_10).
void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

// Counters a randomFill of n elements uses (what the caller adds to its offset).
uint64_t randomCounters(int kind, int dtype, int64_t n);

// Fills n contiguous elements of dtype at dst. Returns the counters used.
// Throws ERR_DTYPE for a dtype the kind does not produce.
uint64_t randomFill(const Exec& ex, void* dst, int dtype, int64_t n, int kind, uint64_t seed, uint64_t offset,
                    double a, double b);

// out[i] = U_i < p[i] ? 1 : 0 for n contiguous elements; p float32/float64. Validates every
// probability first (ERR_ARGUMENT naming the index and value when outside [0, 1] or NaN).
uint64_t bernoulliFill(const Exec& ex, void* dst, int dtype, const void* p, int pdtype, int64_t n, uint64_t seed,
                       uint64_t offset);

// A uniformly random permutation of 0..n-1 (Fisher-Yates; swap i draws from counter offset + i).
uint64_t randpermFill(int32_t* dst, int64_t n, uint64_t seed, uint64_t offset);

}  // namespace tf
