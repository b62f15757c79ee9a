#include "random.h"

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "../core/dtype.h"
#include "../core/error.h"

namespace tf {

namespace {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1

// Counters per parallel task: one Philox call is ~10 ns, so this keeps a task around 40 us.
constexpr int64_t kGrainCounters = 4096;

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double k2pow32inv = 1.0 / 4294967296.0;          // 2^-32
constexpr double k2pow53inv = 1.0 / 9007199254740992.0;    // 2^-53
constexpr float k2pow24invF = 1.0f / 16777216.0f;          // 2^-24

inline void philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t out[4]) {
  for (int r = 0; r < 10; r++) {
    if (r) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    uint64_t p0 = (uint64_t)kPhiloxM0 * c0;
    uint64_t p1 = (uint64_t)kPhiloxM1 * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// U[0,1) with 24 random bits: exactly representable in float, never 1.
inline float u01f(uint32_t w) { return (float)(w >> 8) * k2pow24invF; }
// U[0,1) with 53 random bits from two words: never 1.
inline double u01d(uint32_t hi, uint32_t lo) {
  return (double)((((uint64_t)hi << 32) | lo) >> 11) * k2pow53inv;
}
// U(0,1] for the logarithm in Box-Muller.
inline double u01OpenLow32(uint32_t w) { return ((double)w + 1.0) * k2pow32inv; }
inline double u01OpenLow53(uint32_t hi, uint32_t lo) {
  return ((double)((((uint64_t)hi << 32) | lo) >> 11) + 1.0) * k2pow53inv;
}

// Box-Muller in float from two 32-bit words: u1 in (0,1] (as float, >= 2^-32), tails to 6.66 sigma.
inline void boxMullerF(uint32_t a, uint32_t b, float& z0, float& z1) {
  float u1 = (float)u01OpenLow32(a);
  float r = std::sqrt(-2.0f * std::log(u1));
  float th = (float)(kTwoPi * (double)b * k2pow32inv);
  z0 = r * std::cos(th);
  z1 = r * std::sin(th);
}

// Elements one counter feeds.
int elemsPerCounter(int kind, int dtype) {
  switch (kind) {
    case kRandUniform:
    case kRandNormal: return dtype == kF64 ? 2 : 4;
    case kRandTruncNormal: return 1;
    case kRandInt: return 2;
    case kRandBernoulli: return 4;
    default: return 1;
  }
}

// Runs g(words[4], firstElement, count) over the counters covering n elements, in parallel.
template <int E, typename G>
uint64_t forCounters(ThreadPool& pool, int64_t n, uint64_t seed, uint64_t offset, G&& g) {
  const int64_t nc = (n + E - 1) / E;
  const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  pool.parallelFor(nc, kGrainCounters, [&](int64_t begin, int64_t end) {
    uint32_t w[4];
    for (int64_t c = begin; c < end; c++) {
      uint64_t idx = offset + (uint64_t)c;
      philox((uint32_t)idx, (uint32_t)(idx >> 32), 0, 0, k0, k1, w);
      int64_t first = c * E;
      int cnt = (int)(n - first < E ? n - first : E);
      g(w, first, cnt);
    }
  });
  return (uint64_t)nc;
}

template <typename T>
uint64_t fillUniform(ThreadPool& pool, T* dst, int64_t n, uint64_t seed, uint64_t offset, double a, double b) {
  if constexpr (std::is_same<T, float>::value) {
    const float fa = (float)a, fb = (float)b;
    const bool unit = a == 0.0 && b == 1.0;
    const float below = std::nextafter(fb, -std::numeric_limits<float>::infinity());
    const double span = b - a;
    return forCounters<4>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
      for (int j = 0; j < cnt; j++) {
        float u = u01f(w[j]);
        if (unit) {
          dst[first + j] = u;
        } else {
          float v = (float)(a + span * (double)u);
          if (v >= fb && fb > fa) v = below;  // rounding must not reach the excluded end
          dst[first + j] = v;
        }
      }
    });
  } else {
    const double below = std::nextafter(b, -std::numeric_limits<double>::infinity());
    const double span = b - a;
    return forCounters<2>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
      for (int j = 0; j < cnt; j++) {
        double v = a + span * u01d(w[2 * j], w[2 * j + 1]);
        if (v >= b && b > a) v = below;
        dst[first + j] = v;
      }
    });
  }
}

template <typename T>
uint64_t fillNormal(ThreadPool& pool, T* dst, int64_t n, uint64_t seed, uint64_t offset, double mean, double std) {
  if constexpr (std::is_same<T, float>::value) {
    // Box-Muller on 32-bit uniforms: two words give two normals, tails to 6.66 sigma.
    const float m = (float)mean, sd = (float)std;
    return forCounters<4>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
      for (int j = 0; j < cnt; j += 2) {
        float z0, z1;
        boxMullerF(w[j], w[j + 1], z0, z1);
        dst[first + j] = m + sd * z0;
        if (j + 1 < cnt) dst[first + j + 1] = m + sd * z1;
      }
    });
  } else {
    // Box-Muller on 53-bit uniforms (four words per pair), tails to 8.57 sigma.
    return forCounters<2>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
      double r = std::sqrt(-2.0 * std::log(u01OpenLow53(w[0], w[1])));
      double th = kTwoPi * u01d(w[2], w[3]);
      dst[first] = mean + std * (r * std::cos(th));
      if (cnt > 1) dst[first + 1] = mean + std * (r * std::sin(th));
    });
  }
}

template <typename T>
uint64_t fillTruncNormal(ThreadPool& pool, T* dst, int64_t n, uint64_t seed, uint64_t offset, double mean, double std) {
  const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  // One counter index per element; attempt t uses ctr word 2 = t. Each attempt gives 4 (float)
  // or 2 (double) candidates; about 4.6% of candidates fall beyond 2 sigma and are skipped.
  return forCounters<1>(pool, n, seed, offset, [&](const uint32_t* w0, int64_t first, int) {
    uint64_t idx = offset + (uint64_t)first;
    uint32_t w[4] = {w0[0], w0[1], w0[2], w0[3]};  // attempt 0 is the counter forCounters drew
    double z = 0.0;
    bool found = false;
    for (uint32_t t = 0; t < 64 && !found; t++) {
      if (t) philox((uint32_t)idx, (uint32_t)(idx >> 32), t, 0, k0, k1, w);
      // candidates in order: (w0,w1) -> z0, z1; (w2,w3) -> z2, z3 (float); (w0..w3) -> z0, z1 (double)
      if constexpr (std::is_same<T, float>::value) {
        for (int j = 0; j < 4 && !found; j += 2) {
          float z0, z1;
          boxMullerF(w[j], w[j + 1], z0, z1);
          if (std::fabs(z0) <= 2.0f) z = z0, found = true;
          else if (std::fabs(z1) <= 2.0f) z = z1, found = true;
        }
      } else {
        double r = std::sqrt(-2.0 * std::log(u01OpenLow53(w[0], w[1])));
        double th = kTwoPi * u01d(w[2], w[3]);
        double z0 = r * std::cos(th), z1 = r * std::sin(th);
        if (std::fabs(z0) <= 2.0) z = z0, found = true;
        else if (std::fabs(z1) <= 2.0) z = z1, found = true;
      }
    }
    // (64 failed attempts has probability ~1e-300: z stays 0)
    T v = (T)(mean + std * z);
    // float rounding must not step past the 2-sigma bound
    const T hi = (T)(mean + 2.0 * std), lo = (T)(mean - 2.0 * std);
    if (v > hi) v = hi;
    if (v < lo) v = lo;
    dst[first] = v;
  });
}

template <typename T>
uint64_t fillRandint(ThreadPool& pool, T* dst, int64_t n, uint64_t seed, uint64_t offset, int64_t low, int64_t high) {
  const uint64_t range = (uint64_t)(high - low);
  // 64 random bits scaled by multiply-shift: the bias is below range / 2^64 < 2^-32.
  return forCounters<2>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
    for (int j = 0; j < cnt; j++) {
      uint64_t x = ((uint64_t)w[2 * j] << 32) | w[2 * j + 1];
      uint64_t k = (uint64_t)(((unsigned __int128)x * range) >> 64);
      dst[first + j] = (T)(low + (int64_t)k);
    }
  });
}

template <typename T>
uint64_t fillBernoulli(ThreadPool& pool, T* dst, int64_t n, uint64_t seed, uint64_t offset, double p) {
  return forCounters<4>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
    for (int j = 0; j < cnt; j++) dst[first + j] = (double)w[j] * k2pow32inv < p ? (T)1 : (T)0;
  });
}

template <typename T, typename P>
uint64_t fillBernoulliTensor(ThreadPool& pool, T* dst, const P* p, int64_t n, uint64_t seed, uint64_t offset) {
  return forCounters<4>(pool, n, seed, offset, [&](const uint32_t* w, int64_t first, int cnt) {
    for (int j = 0; j < cnt; j++) dst[first + j] = (double)w[j] * k2pow32inv < (double)p[first + j] ? (T)1 : (T)0;
  });
}

}  // namespace

void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  philox(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
}

uint64_t randomCounters(int kind, int dtype, int64_t n) {
  int e = elemsPerCounter(kind, dtype);
  return (uint64_t)((n + e - 1) / e);
}

uint64_t randomFill(const Exec& ex, void* dst, int dtype, int64_t n, int kind, uint64_t seed, uint64_t offset,
                    double a, double b) {
  ThreadPool& pool = ex.pool();
  if (n <= 0) return 0;
  uint64_t used = 0;
  switch (kind) {
    case kRandUniform:
    case kRandNormal:
    case kRandTruncNormal:
      if (dtype != kF32 && dtype != kF64)
        fail("ERR_DTYPE", std::string("random: dtype ") + dtypeName(dtype) + " is not a floating type");
      if (!std::isfinite(a) || !std::isfinite(b)) fail("ERR_ARGUMENT", "random: parameters must be finite");
      if (kind == kRandUniform && a > b) fail("ERR_ARGUMENT", "random: low must be <= high");
      if (kind != kRandUniform && b < 0) fail("ERR_ARGUMENT", "random: std must be >= 0");
      if (dtype == kF32) {
        float* d = static_cast<float*>(dst);
        used = kind == kRandUniform ? fillUniform(pool, d, n, seed, offset, a, b)
             : kind == kRandNormal  ? fillNormal(pool, d, n, seed, offset, a, b)
                                    : fillTruncNormal(pool, d, n, seed, offset, a, b);
      } else {
        double* d = static_cast<double*>(dst);
        used = kind == kRandUniform ? fillUniform(pool, d, n, seed, offset, a, b)
             : kind == kRandNormal  ? fillNormal(pool, d, n, seed, offset, a, b)
                                    : fillTruncNormal(pool, d, n, seed, offset, a, b);
      }
      break;
    case kRandInt: {
      if (!(a >= -2147483648.0 && b <= 2147483647.0 && a < b) || a != std::floor(a) || b != std::floor(b))
        fail("ERR_ARGUMENT", "randint: need integers low < high within int32");
      if (dtype == kBool) fail("ERR_DTYPE", "randint: dtype bool is not supported");
      int64_t lo = (int64_t)a, hi = (int64_t)b;
      dispatchDType(dtype, [&](auto z) {
        using T = decltype(z);
        if constexpr (!std::is_same<T, uint8_t>::value) used = fillRandint(pool, static_cast<T*>(dst), n, seed, offset, lo, hi);
      });
      break;
    }
    case kRandBernoulli:
      if (!(a >= 0.0 && a <= 1.0)) fail("ERR_ARGUMENT", "bernoulli: probability must be in [0, 1]");
      dispatchDType(dtype, [&](auto z) {
        using T = decltype(z);
        used = fillBernoulli(pool, static_cast<T*>(dst), n, seed, offset, a);
      });
      break;
    default: fail("ERR_ARGUMENT", "random: unknown distribution code " + std::to_string(kind));
  }
  return used;
}

uint64_t bernoulliFill(const Exec& ex, void* dst, int dtype, const void* p, int pdtype, int64_t n, uint64_t seed,
                       uint64_t offset) {
  ThreadPool& pool = ex.pool();
  if (pdtype != kF32 && pdtype != kF64)
    fail("ERR_DTYPE", std::string("bernoulli: probabilities must be float32 or float64, got ") + dtypeName(pdtype));
  if (n <= 0) return 0;
  uint64_t used = 0;
  dispatchDType(pdtype, [&](auto pz) {
    using P = decltype(pz);
    if constexpr (std::is_floating_point<P>::value) {
      const P* pp = static_cast<const P*>(p);
      for (int64_t i = 0; i < n; i++) {
        P v = pp[i];
        if (!(v >= 0 && v <= 1))
          fail("ERR_ARGUMENT", "bernoulli: probability at flat index " + std::to_string(i) + " is " +
                                   (v != v ? std::string("NaN") : std::to_string((double)v)) + ", outside [0, 1]");
      }
      dispatchDType(dtype, [&](auto z) {
        using T = decltype(z);
        used = fillBernoulliTensor(pool, static_cast<T*>(dst), pp, n, seed, offset);
      });
    }
  });
  return used;
}

uint64_t randpermFill(int32_t* dst, int64_t n, uint64_t seed, uint64_t offset) {
  if (n <= 0) return 0;
  for (int64_t i = 0; i < n; i++) dst[i] = (int32_t)i;
  const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  uint32_t w[4];
  for (int64_t i = n - 1; i > 0; i--) {
    uint64_t idx = offset + (uint64_t)i;
    philox((uint32_t)idx, (uint32_t)(idx >> 32), 0, 0, k0, k1, w);
    uint64_t x = ((uint64_t)w[0] << 32) | w[1];
    int64_t j = (int64_t)(((unsigned __int128)x * (uint64_t)(i + 1)) >> 64);
    int32_t t = dst[i];
    dst[i] = dst[j];
    dst[j] = t;
  }
  return (uint64_t)n;
}

}  // namespace tf
