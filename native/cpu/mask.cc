#include "mask.h"

#include <algorithm>

#include "../core/dtype.h"

namespace tf {

namespace {

// Chunks are sized from the element count only (at most 64 of them, at least a grain each):
// small inputs are one chunk and stay on the calling thread.
void planChunks(int64_t numel, MaskChunks& c) {
  c.chunk = std::max<int64_t>(kGrainElementwise, (numel + 63) / 64);
  const int64_t n = numel == 0 ? 0 : (numel + c.chunk - 1) / c.chunk;
  c.start.assign((size_t)n + 1, 0);
}

int64_t numChunks(const MaskChunks& c) { return c.start.empty() ? 0 : (int64_t)c.start.size() - 1; }

template <typename F>
void forChunks(ThreadPool& pool, const MaskChunks& c, int64_t numel, F&& fn) {
  pool.parallelFor(numChunks(c), 1, [&](int64_t b, int64_t e) {
    for (int64_t ci = b; ci < e; ci++) fn(ci, ci * c.chunk, std::min(numel, (ci + 1) * c.chunk));
  });
}

template <int N, typename T>
void countTyped(ThreadPool& pool, const StridedLayout<N>& L, int k, const T* p, MaskChunks& c) {
  planChunks(L.numel, c);
  forChunks(pool, c, L.numel, [&](int64_t ci, int64_t b, int64_t e) {
    int64_t cnt = 0;
    L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      const T* q = p + off[k];
      const int64_t s = st[k];
      if (s == 1)
        for (int64_t i = 0; i < n; i++) cnt += q[i] != T(0);
      else
        for (int64_t i = 0; i < n; i++) cnt += q[i * s] != T(0);
    });
    c.start[(size_t)ci + 1] = cnt;
  });
  for (size_t i = 1; i < c.start.size(); i++) c.start[i] += c.start[i - 1];
}

template <typename T>
void nonzeroTyped(ThreadPool& pool, const StridedLayout<1>& L, const T* x, const MaskChunks& c, bool flat, int32_t* out) {
  const int nd = L.ndim;
  forChunks(pool, c, L.numel, [&](int64_t ci, int64_t b, int64_t e) {
    int64_t w = c.start[(size_t)ci];
    int64_t pos = b;
    L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      const T* q = x + off[0];
      const int64_t s = st[0];
      if (flat) {
        for (int64_t i = 0; i < n; i++)
          if (q[i * s] != T(0)) out[w++] = (int32_t)(pos + i);
      } else {
        // a run never crosses the last dim, so only the last coordinate moves within it
        int64_t co[kMaxDims];
        int64_t rem = pos;
        for (int d = nd - 1; d >= 0; d--) {
          co[d] = rem % L.shape[d];
          rem /= L.shape[d];
        }
        for (int64_t i = 0; i < n; i++) {
          if (q[i * s] == T(0)) continue;
          int32_t* o = out + w * nd;
          for (int d = 0; d < nd - 1; d++) o[d] = (int32_t)co[d];
          o[nd - 1] = (int32_t)(co[nd - 1] + i);
          w++;
        }
      }
      pos += n;
    });
  });
}

template <typename T>
void selectTyped(ThreadPool& pool, const StridedLayout<2>& L, const T* x, const uint8_t* mask, const MaskChunks& c, T* out) {
  forChunks(pool, c, L.numel, [&](int64_t ci, int64_t b, int64_t e) {
    int64_t w = c.start[(size_t)ci];
    L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      const T* q = x + off[0];
      const uint8_t* m = mask + off[1];
      const int64_t sx = st[0], sm = st[1];
      for (int64_t i = 0; i < n; i++)
        if (m[i * sm]) out[w++] = q[i * sx];
    });
  });
}

}  // namespace

void countNonzero(const Exec& ex, int dtype, const StridedLayout<1>& L, const void* x, MaskChunks& c) {
  ThreadPool& pool = ex.pool();
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    countTyped<1, T>(pool, L, 0, static_cast<const T*>(x), c);
  });
}

void countMask(const Exec& ex, const StridedLayout<2>& L, const uint8_t* mask, MaskChunks& c) {
  ThreadPool& pool = ex.pool();
  countTyped<2, uint8_t>(pool, L, 1, mask, c);
}

void nonzeroFill(const Exec& ex, int dtype, const StridedLayout<1>& L, const void* x, const MaskChunks& c, bool flat,
                 int32_t* out) {
  ThreadPool& pool = ex.pool();
  if (c.total() == 0 || (!flat && L.ndim == 0)) return;
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    nonzeroTyped<T>(pool, L, static_cast<const T*>(x), c, flat, out);
  });
}

void maskedSelectFill(const Exec& ex, int dtype, const StridedLayout<2>& L, const void* x, const uint8_t* mask,
                      const MaskChunks& c, void* out) {
  ThreadPool& pool = ex.pool();
  if (c.total() == 0) return;
  // only moves elements: dispatch on the element size
  switch (dtypeSize(dtype)) {
    case 1: selectTyped<uint8_t>(pool, L, (const uint8_t*)x, mask, c, (uint8_t*)out); break;
    case 4: selectTyped<int32_t>(pool, L, (const int32_t*)x, mask, c, (int32_t*)out); break;
    case 8: selectTyped<int64_t>(pool, L, (const int64_t*)x, mask, c, (int64_t*)out); break;
    default: break;
  }
}

}  // namespace tf
