#include "sort.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "../core/dtype.h"

namespace tf {

namespace {

// A key with its position in the row. Sorting (key, position) pairs under a total order
// (ties broken by position) makes the unstable std::sort / nth_element give the stable
// result, and keeps the key next to its index in memory.
template <typename T>
struct Item {
  T v;
  int32_t i;
};

template <typename T>
struct Asc {
  bool operator()(const Item<T>& a, const Item<T>& b) const { return a.v < b.v || (a.v == b.v && a.i < b.i); }
};
template <typename T>
struct Desc {
  bool operator()(const Item<T>& a, const Item<T>& b) const { return a.v > b.v || (a.v == b.v && a.i < b.i); }
};

template <typename T>
inline bool isNan(T v) {
  if constexpr (std::is_floating_point<T>::value) return v != v;
  else return false;
}

// Leaves the first m of items[0, n) in cmp order at the front (sorted unless !sorted).
template <typename T, typename C>
void selectFirst(Item<T>* items, int64_t m, int64_t n, C cmp, bool sorted) {
  if (m <= 0) return;
  if (m < n) {
    // a heap of m rejects most elements with one comparison when m is small against n
    // (torch's rule, m * 64 <= n); nth_element costs a few n whatever m is
    if (m * 64 <= n) {
      std::partial_sort(items, items + m, items + n, cmp);
      return;
    }
    std::nth_element(items, items + m, items + n, cmp);
  }
  if (sorted) std::sort(items, items + m, cmp);
}

template <typename T>
struct RowWriter {
  T* vals;  // null for argsort
  int32_t* idx;
  int64_t step;
  int64_t w = 0;
  void emit(const Item<T>* p, int64_t n) {
    if (vals)
      for (int64_t r = 0; r < n; r++) vals[(w + r) * step] = p[r].v;
    for (int64_t r = 0; r < n; r++) idx[(w + r) * step] = p[r].i;
    w += n;
  }
};

// NaNs leave the comparisons altogether: they are split off while the row is read (in
// input order) and placed last (ascending) or first (descending), as torch orders them.
template <typename T>
void sortRow(const T* x, const SortSpec& s, Item<T>* buf, RowWriter<T>& out) {
  const int64_t len = s.len, step = s.xStep;
  int64_t nn = 0, back = len;
  for (int64_t j = 0; j < len; j++) {
    const T v = x[j * step];
    if (isNan(v)) buf[--back] = Item<T>{v, (int32_t)j};
    else buf[nn++] = Item<T>{v, (int32_t)j};
  }
  std::reverse(buf + nn, buf + len);
  const int64_t nNan = len - nn;
  if (!s.descending) {
    const int64_t m = std::min(s.k, nn);
    selectFirst(buf, m, nn, Asc<T>(), s.sorted);
    out.emit(buf, m);
    out.emit(buf + nn, s.k - m);
  } else {
    const int64_t m0 = std::min(s.k, nNan);
    out.emit(buf + nn, m0);
    const int64_t m = s.k - m0;
    selectFirst(buf, m, nn, Desc<T>(), s.sorted);
    out.emit(buf, m);
  }
}

// rough comparisons per row, to size the tasks: len log2(len) for a sort, ~3 len to select
int64_t rowCost(const SortSpec& s) {
  int64_t lg = 1;
  while ((int64_t(1) << lg) < s.len && lg < 62) lg++;
  return s.k < s.len ? s.len * std::min<int64_t>(lg, 3) : s.len * lg;
}

template <typename T>
void sortTyped(ThreadPool& pool, const StridedLayout<2>& rows, const SortSpec& s, const T* x, T* vals, int32_t* idx) {
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, rowCost(s)));
  pool.parallelFor(rows.numel, grain, [&](int64_t b, int64_t e) {
    std::vector<Item<T>> buf((size_t)s.len);
    rows.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      for (int64_t r = 0; r < n; r++) {
        const int64_t o = off[0] + r * st[0];
        RowWriter<T> w{vals ? vals + o : nullptr, idx + o, s.outStep};
        sortRow<T>(x + off[1] + r * st[1], s, buf.data(), w);
      }
    });
  });
}

}  // namespace

void sortRows(const Exec& ex, int dtype, const StridedLayout<2>& rows, const SortSpec& spec, const void* x,
              void* values, int32_t* indices) {
  ThreadPool& pool = ex.pool();
  if (rows.numel == 0 || spec.k == 0 || spec.len == 0) return;
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    sortTyped<T>(pool, rows, spec, static_cast<const T*>(x), static_cast<T*>(values), indices);
  });
}

}  // namespace tf
