// Shape and stride helpers: checked element counts and the strided-loop layout that
// every elementwise kernel walks. Strides are in elements and may be 0 (broadcast)
// or negative (flip).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include "error.h"

namespace tf {

constexpr int kMaxDims = 16;
// 2^53: the largest magnitude up to which every integer is exact as a double (and in JS).
constexpr double kMaxExactInt = 9007199254740992.0;

#ifdef __CUDACC__
#define TF_HOST_DEVICE __host__ __device__
#else
#define TF_HOST_DEVICE
#endif

// The one place a row-major flat index over dims [0, ndim) becomes element offsets:
// off[k] = sum over d of i_d * strides[k][d], where (i_0, ..., i_{ndim-1}) is the multi-index
// of `flat`; idx, when given, receives that multi-index. A prefix of a layout's dims can be
// walked by passing a smaller ndim. Also used in CUDA kernels.
template <int NOPS>
TF_HOST_DEVICE inline void flatToOffsets(int64_t flat, int ndim, const int64_t* shape, const int64_t (*strides)[kMaxDims],
                                         int64_t* off, int64_t* idx = nullptr) {
  for (int k = 0; k < NOPS; k++) off[k] = 0;
  for (int d = ndim - 1; d >= 0; d--) {
    const int64_t q = flat / shape[d], i = flat - q * shape[d];
    if (idx) idx[d] = i;
    for (int k = 0; k < NOPS; k++) off[k] += i * strides[k][d];
    flat = q;
  }
}

inline int64_t checkedMul(int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) fail("ERR_OVERFLOW", std::string(what) + ": element count overflows int64");
  return r;
}

[[noreturn]] __attribute__((cold, noinline)) inline void badValue(const char* op, const char* what, int d, int operand, double v) {
  char num[32];
  if (v != v) std::snprintf(num, sizeof num, "NaN");  // spelled as JS does
  else if (v == 1.0 / 0.0 || v == -1.0 / 0.0) std::snprintf(num, sizeof num, v > 0 ? "Infinity" : "-Infinity");
  else std::snprintf(num, sizeof num, "%.17g", v);
  std::string msg = std::string(op) + ": invalid " + what + " " + num + " at dim " + std::to_string(d);
  if (operand >= 0) msg += " of operand " + std::to_string(operand);
  fail(what[0] == 'd' ? "ERR_SHAPE" : "ERR_ARGUMENT", msg + " (must be an integer of magnitude at most 2^53)");
}

// A loop nest over up to kMaxDims dims with `nops` operands (operand 0 is usually the output).
template <int NOPS>
struct StridedLayout {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[NOPS][kMaxDims];
  int64_t numel = 1;

  // Copies only the ndim dims in use: layouts are copied on every call (into a binding's run
  // callable, into the tiled paths), and most have 1-3 dims of the 16 the arrays can hold.
  StridedLayout() = default;
  StridedLayout(const StridedLayout& o) { assign(o); }
  StridedLayout& operator=(const StridedLayout& o) {
    assign(o);
    return *this;
  }
  void assign(const StridedLayout& o) {
    ndim = o.ndim;
    numel = o.numel;
    for (int d = 0; d < ndim; d++) {
      shape[d] = o.shape[d];
      for (int k = 0; k < NOPS; k++) strides[k][d] = o.strides[k][d];
    }
  }

  // Reads meta: shape[ndim] then strides per operand ([ndim] each). Nothing read is
  // trusted: every value must be an integer-valued double of at most 2^53 in magnitude
  // (JS's exact integers; NaN fails every comparison) before it is converted, and the
  // element count is overflow-checked. Whether each operand stays inside its storage is
  // checkExtent's job (native/binding/common.h).
  void load(int nd, const double* shp, const double* const* strd, const char* op) {
    if (nd < 0 || nd > kMaxDims) fail("ERR_RANK", std::string(op) + ": rank " + std::to_string(nd) + " exceeds " + std::to_string(kMaxDims));
    ndim = nd;
    numel = 1;
    for (int d = 0; d < nd; d++) {
      const double s = shp[d];
      if (!(s >= 0 && s <= kMaxExactInt) || s != (double)(int64_t)s) badValue(op, "dimension", d, -1, s);
      shape[d] = (int64_t)s;
      numel = checkedMul(numel, shape[d], op);
      for (int k = 0; k < NOPS; k++) {
        const double t = strd[k][d];
        if (!(__builtin_fabs(t) <= kMaxExactInt) || t != (double)(int64_t)t) badValue(op, "stride", d, k, t);
        strides[k][d] = (int64_t)t;
      }
    }
  }

  // Merges adjacent dims that are contiguous for every operand and drops size-1 dims,
  // so most loops become one flat inner loop.
  void coalesce() {
    int out = 0;
    for (int d = 0; d < ndim; d++) {
      if (shape[d] == 1) continue;
      if (out > 0) {
        bool ok = true;
        for (int k = 0; k < NOPS; k++)
          if (strides[k][out - 1] != strides[k][d] * shape[d]) { ok = false; break; }
        if (ok) {
          shape[out - 1] *= shape[d];
          for (int k = 0; k < NOPS; k++) strides[k][out - 1] = strides[k][d];
          continue;
        }
      }
      shape[out] = shape[d];
      for (int k = 0; k < NOPS; k++) strides[k][out] = strides[k][d];
      out++;
    }
    if (out == 0) {  // 0-d or all ones: one element
      shape[0] = 1;
      for (int k = 0; k < NOPS; k++) strides[k][0] = 1;
      out = 1;
    }
    ndim = out;
  }

  // Element offsets of the row-major flat index `flat` over all dims.
  void offsets(int64_t flat, int64_t* off) const { flatToOffsets<NOPS>(flat, ndim, shape, strides, off); }

  // Calls body(ptrOffsets[NOPS], innerCount, innerStrides[NOPS]) for each inner row of the
  // elements [begin, end) in row-major order. Used by parallel chunks.
  template <typename Body>
  void forRange(int64_t begin, int64_t end, Body&& body) const {
    if (begin >= end) return;
    const int last = ndim - 1;
    const int64_t inner = shape[last];
    int64_t idx[kMaxDims];
    int64_t off[NOPS];
    flatToOffsets<NOPS>(begin, ndim, shape, strides, off, idx);
    int64_t inStr[NOPS];
    for (int k = 0; k < NOPS; k++) inStr[k] = strides[k][last];
    int64_t pos = begin;
    while (pos < end) {
      int64_t count = inner - idx[last];
      if (count > end - pos) count = end - pos;
      body(off, count, inStr);
      pos += count;
      // advance idx by count along the inner dim, carrying into outer dims
      idx[last] += count;
      for (int k = 0; k < NOPS; k++) off[k] += count * inStr[k];
      for (int d = last; d > 0 && idx[d] == shape[d]; d--) {
        idx[d] = 0;
        idx[d - 1]++;
        for (int k = 0; k < NOPS; k++) off[k] += strides[k][d - 1] - shape[d] * strides[k][d];
      }
    }
  }
};

// A contiguous run of n elements as a one-operand layout (the extent check of a flat operand).
inline StridedLayout<1> flatRun(int64_t n) {
  StridedLayout<1> L;
  L.ndim = 1;
  L.shape[0] = n;
  L.strides[0][0] = 1;
  L.numel = n;
  return L;
}

}  // namespace tf
