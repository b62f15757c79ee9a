// CPU kernels of the embed family: row gathers and scatter-adds, coalescing of row-sparse
// gradients, and torch's row-sparse Adagrad / SparseAdam steps. Work is split over rows where
// rows are independent (lookup, optimizer steps on distinct rows) and over column blocks
// where rows may repeat (scatter-add), so results never depend on the thread count.
#include "embed.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

#include "../core/dtype.h"
#include "../core/error.h"

namespace tf {

static constexpr int64_t kGrainElems = 32768;

template <typename F>
static void dispatchFloat(int dtype, const char* op, F&& f) {
  if (dtype == kF32) f(float(0));
  else if (dtype == kF64) f(double(0));
  else fail("ERR_DTYPE", std::string(op) + ": embedding tables must be float32 or float64");
}

// Rows per task so a task holds about kGrainElems elements.
static int64_t rowGrain(int64_t D) { return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(D, 1)); }

int64_t embedFindBadId(const Exec&, const int32_t* ids, int64_t n, int64_t V, int32_t* bad) {
  for (int64_t k = 0; k < n; k++)
    if (ids[k] < 0 || ids[k] >= V) {
      *bad = ids[k];
      return k;
    }
  return -1;
}

void embedLookup(const Exec& ex, int dtype, int64_t n, int64_t D, const void* wv, int64_t rowStride, const int32_t* ids,
                 void* outv) {
  dispatchFloat(dtype, "embedding", [&](auto z) {
    using T = decltype(z);
    const T* w = static_cast<const T*>(wv);
    T* out = static_cast<T*>(outv);
    ex.pool().parallelFor(n, rowGrain(D), [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; k++) std::copy(w + ids[k] * rowStride, w + ids[k] * rowStride + D, out + k * D);
    });
  });
}

void embedRowsAdd(const Exec& ex, int dtype, int64_t V, int64_t D, void* dstv, const int32_t* idx, int64_t n,
                  const void* srcv, double alpha, int64_t skip, bool scaleByFreq) {
  std::vector<int32_t> counts;
  if (scaleByFreq) {
    // torch's scale_grad_by_freq: counts over the table (ints, V of them), as torch's kernel
    counts.assign((size_t)V, 0);
    for (int64_t k = 0; k < n; k++) counts[(size_t)idx[k]]++;
  }
  dispatchFloat(dtype, "embedding.backward", [&](auto z) {
    using T = decltype(z);
    T* dst = static_cast<T*>(dstv);
    const T* src = static_cast<const T*>(srcv);
    // column blocks: a repeated index is added by one task, in the order of k
    const int64_t block = 64;
    const int64_t nblocks = (D + block - 1) / block;
    const int64_t grain = std::max<int64_t>(1, kGrainElems / std::max<int64_t>(n * block, 1));
    ex.pool().parallelFor(nblocks, grain, [&](int64_t b, int64_t e) {
      const int64_t c0 = b * block, c1 = std::min(D, e * block);
      for (int64_t k = 0; k < n; k++) {
        const int64_t r = idx[k];
        if (r == skip) continue;
        const T a = scaleByFreq ? (T)(alpha / counts[(size_t)r]) : (T)alpha;
        T* d = dst + r * D;
        const T* s = src + k * D;
        for (int64_t c = c0; c < c1; c++) d[c] += a * s[c];
      }
    });
  });
}

int64_t embedCoalesce(const Exec&, int dtype, int64_t n, int64_t D, const int32_t* idx, const void* valsv,
                      int32_t* outIdx, void* outv) {
  std::vector<int64_t> order((size_t)n);
  std::iota(order.begin(), order.end(), int64_t(0));
  // stable: duplicates are summed in their original order (deterministic)
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return idx[a] < idx[b]; });
  int64_t m = 0;
  dispatchFloat(dtype, "coalesce", [&](auto z) {
    using T = decltype(z);
    const T* vals = static_cast<const T*>(valsv);
    T* out = static_cast<T*>(outv);
    for (int64_t j = 0; j < n; j++) {
      const int64_t k = order[(size_t)j];
      const T* s = vals + k * D;
      if (m > 0 && outIdx[m - 1] == idx[k]) {
        T* d = out + (m - 1) * D;
        for (int64_t c = 0; c < D; c++) d[c] += s[c];
      } else {
        outIdx[m] = idx[k];
        std::copy(s, s + D, out + m * D);
        m++;
      }
    }
  });
  return m;
}

void embedRenorm(const Exec&, int dtype, int64_t D, void* wv, int64_t rowStride, const int32_t* ids, int64_t n,
                 double maxNorm, double normType) {
  std::vector<int32_t> rows(ids, ids + n);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  dispatchFloat(dtype, "embedding", [&](auto z) {
    using T = decltype(z);
    T* w = static_cast<T*>(wv);
    for (int32_t r : rows) {
      T* row = w + (int64_t)r * rowStride;
      double acc = 0;
      if (std::isinf(normType)) {
        for (int64_t c = 0; c < D; c++) acc = std::max(acc, std::fabs((double)row[c]));
      } else if (normType == 1) {
        for (int64_t c = 0; c < D; c++) acc += std::fabs((double)row[c]);
      } else if (normType == 2) {
        for (int64_t c = 0; c < D; c++) acc += (double)row[c] * (double)row[c];
        acc = std::sqrt(acc);
      } else {
        for (int64_t c = 0; c < D; c++) acc += std::pow(std::fabs((double)row[c]), normType);
        acc = std::pow(acc, 1.0 / normType);
      }
      if (acc > maxNorm) {
        const T scale = (T)(maxNorm / (acc + 1e-7));
        for (int64_t c = 0; c < D; c++) row[c] *= scale;
      }
    }
  });
}

void embedAdagrad(const Exec& ex, int dtype, int64_t m, int64_t D, void* pv, void* sv, const int32_t* idx,
                  const void* gv, double clr, double eps) {
  dispatchFloat(dtype, "Adagrad", [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(pv);
    T* sum = static_cast<T*>(sv);
    const T* g = static_cast<const T*>(gv);
    const T lr = (T)clr, e = (T)eps;
    ex.pool().parallelFor(m, rowGrain(D), [&](int64_t b, int64_t en) {
      for (int64_t k = b; k < en; k++) {
        const int64_t r = idx[k];
        T* pr = p + r * D;
        T* sr = sum + r * D;
        const T* gr = g + k * D;
        for (int64_t c = 0; c < D; c++) {
          sr[c] += gr[c] * gr[c];
          pr[c] -= lr * (gr[c] / (std::sqrt(sr[c]) + e));
        }
      }
    });
  });
}

void embedAdam(const Exec& ex, int dtype, int64_t m, int64_t D, void* pv, void* m1v, void* m2v, const int32_t* idx,
               const void* gv, double lr, double beta1, double beta2, double eps, double step) {
  const double bc1 = 1 - std::pow(beta1, step), bc2 = 1 - std::pow(beta2, step);
  const double stepSize = lr * std::sqrt(bc2) / bc1;
  dispatchFloat(dtype, "SparseAdam", [&](auto z) {
    using T = decltype(z);
    T* p = static_cast<T*>(pv);
    T* m1 = static_cast<T*>(m1v);
    T* m2 = static_cast<T*>(m2v);
    const T* g = static_cast<const T*>(gv);
    const T ob1 = (T)(1 - beta1), ob2 = (T)(1 - beta2), e = (T)eps, ss = (T)stepSize;
    ex.pool().parallelFor(m, rowGrain(D), [&](int64_t b, int64_t en) {
      for (int64_t k = b; k < en; k++) {
        const int64_t r = idx[k];
        T* pr = p + r * D;
        T* ar = m1 + r * D;
        T* vr = m2 + r * D;
        const T* gr = g + k * D;
        for (int64_t c = 0; c < D; c++) {
          // torch's order of operations: the moments move by (g - old) * (1 - beta)
          const T a = ar[c] + (gr[c] - ar[c]) * ob1;
          const T v = vr[c] + (gr[c] * gr[c] - vr[c]) * ob2;
          ar[c] = a;
          vr[c] = v;
          pr[c] += -ss * (a / (std::sqrt(v) + e));
        }
      }
    });
  });
}

}  // namespace tf
