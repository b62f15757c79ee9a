// Sorting and mask-selection entry points (kernels: cpu/sort.cc, cpu/mask.cc).
//
// sort(x, xOff, len, xStep, k, outStep, flags) -> [values, indices], or [indices] for argsort
//   meta: the layout of the dims other than the sorted axis, 2 operands: the outputs (both
//   fresh and contiguous, so one set of strides) and x. Each row of x has len elements
//   xStep apart; each output row holds the first k of the row's order, outStep apart.
//   flags: 1 descending (topk: largest), 2 values wanted, 4 sorted. Indices are int32.
// nonzero(x, xOff, flat) -> [handle, count]
//   meta: x's layout (1 operand). flat: int32 [count], row-major positions; else int32
//   [count, ndim], coordinates (torch.nonzero). Any dtype; NaN is nonzero, -0 is not.
// maskedSelect(x, xOff, mask, maskOff) -> [handle, count]
//   meta: the layout of (x, mask) over their broadcast shape; mask is bool. The result is
//   [count] of x's dtype, in row-major order.
#include "../cpu/mask.h"
#include "../cpu/sort.h"
#include "device.h"

namespace tf {

namespace {

// checkExtent for operand k of L plus one more dim (n elements `step` apart), in 128-bit
// arithmetic so no layout can overflow its way past the check.
template <int N>
void checkRowsExtent(const StridedLayout<N>& L, int k, int64_t n, int64_t step, int64_t offset, const Storage* s,
                     const char* op, const char* arg) {
  const int64_t cap = (int64_t)(s->nbytes / dtypeSize(s->dtype));
  if (L.numel == 0 || n == 0) {
    if (offset < 0 || offset > cap) fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": " + arg + " offset out of bounds");
    return;
  }
  __int128 lo = offset, hi = offset;
  auto add = [&](int64_t dim, int64_t stride) {
    __int128 span = (__int128)(dim - 1) * stride;
    if (span < 0) lo += span; else hi += span;
  };
  for (int d = 0; d < L.ndim; d++) add(L.shape[d], L.strides[k][d]);
  add(n, step);
  if (lo < 0 || hi >= cap)
    fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": " + arg + " view reaches outside its storage (" + std::to_string(cap) +
                                  " elements)");
}

Napi::Value Sort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "sort";
  Storage* x = argStorage(info, 0, op);
  const int64_t xOff = argInt64(info, 1, op);
  SortSpec spec;
  spec.len = argInt64(info, 2, op);
  spec.xStep = argInt64(info, 3, op);
  spec.k = argInt64(info, 4, op);
  spec.outStep = argInt64(info, 5, op);
  const int flags = argInt(info, 6, op);
  if (flags < 0 || flags > 7) fail("ERR_ARGUMENT", "sort: unknown flags " + std::to_string(flags));
  spec.descending = (flags & 1) != 0;
  const bool wantValues = (flags & 2) != 0;
  spec.sorted = (flags & 4) != 0;
  if (spec.len < 0 || spec.len > 2147483647LL)
    fail("ERR_SHAPE", "sort: the sorted axis has " + std::to_string(spec.len) + " elements; int32 indices allow at most 2^31-1");
  if (spec.k < 0 || spec.k > spec.len)
    fail("ERR_ARGUMENT", "sort: k = " + std::to_string(spec.k) + " is out of range for an axis of size " + std::to_string(spec.len));
  StridedLayout<2> rows;
  size_t pos = 0;
  readLayout(ed, pos, rows, op);
  checkRowsExtent(rows, 1, spec.len, spec.xStep, xOff, x, op, "x");
  const int64_t outNumel = checkedMul(rows.numel, spec.k, op);
  const Exec ex = execFor(ed, op, {x});
  auto kernel = need(ex.backend->select.sortRows, ex, op);
  Storage *vals = nullptr, *idx = nullptr;
  Napi::Array res = Napi::Array::New(env, wantValues ? 2 : 1);
  if (wantValues) {
    res.Set(0u, newOutput(env, ed, ex, outNumel, x->dtype, op, &vals));
    checkRowsExtent(rows, 0, spec.k, spec.outStep, 0, vals, op, "values");
  }
  res.Set(wantValues ? 1u : 0u, newOutput(env, ed, ex, outNumel, kI32, op, &idx));
  checkRowsExtent(rows, 0, spec.k, spec.outStep, 0, idx, op, "indices");
  if (outNumel == 0) return res;
  rows.coalesce();
  const int dt = x->dtype;
  const void* xp = dataAs<uint8_t>(x, xOff * (int64_t)dtypeSize(dt));
  void* vp = vals ? vals->data : nullptr;
  int32_t* ip = static_cast<int32_t*>(idx->data);
  ex.run([=] { kernel(ex, dt, rows, spec, xp, vp, ip); });
  return res;
}

Napi::Value Nonzero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "nonzero";
  Storage* x = argStorage(info, 0, op);
  const int64_t xOff = argInt64(info, 1, op);
  const bool flat = argInt(info, 2, op) != 0;
  StridedLayout<1> L;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  checkExtent(L, 0, xOff, x, op, "x");
  if (flat && L.numel > 2147483647LL)
    fail("ERR_SHAPE", "nonzero: " + std::to_string(L.numel) + " elements; int32 positions allow at most 2^31-1");
  for (int d = 0; d < L.ndim; d++)
    if (L.shape[d] > 2147483647LL) fail("ERR_SHAPE", "nonzero: dim " + std::to_string(d) + " does not fit int32 coordinates");
  const void* xp = dataAs<uint8_t>(x, xOff * (int64_t)dtypeSize(x->dtype));
  StridedLayout<1> C = L;  // the count only needs the element order, so it may merge dims
  C.coalesce();
  const Exec ex = execFor(ed, op, {x});
  const SelectOps& k = ex.backend->select;
  auto fill = need(k.nonzeroFill, ex, op);
  // the output size depends on the data: the count runs here, in prepare
  MaskChunks chunks;
  if (L.numel > 0) need(k.countNonzero, ex, op)(ex, x->dtype, C, xp, chunks);
  const int64_t count = chunks.total();
  Storage* out;
  Napi::Array res = Napi::Array::New(env, 2);
  res.Set(0u, newOutput(env, ed, ex, flat ? count : checkedMul(count, L.ndim, op), kI32, op, &out));
  res.Set(1u, Napi::Number::New(env, (double)count));
  const int dt = x->dtype;
  const StridedLayout<1> F = flat ? C : L;
  int32_t* o = static_cast<int32_t*>(out->data);
  ex.run([=] { fill(ex, dt, F, xp, chunks, flat, o); });
  return res;
}

Napi::Value MaskedSelect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "maskedSelect";
  Storage* x = argStorage(info, 0, op);
  const int64_t xOff = argInt64(info, 1, op);
  Storage* mask = argStorage(info, 2, op);
  const int64_t mOff = argInt64(info, 3, op);
  checkDType(mask, kBool, op, "mask");
  StridedLayout<2> L;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  checkExtent(L, 0, xOff, x, op, "x");
  checkExtent(L, 1, mOff, mask, op, "mask");
  L.coalesce();
  const uint8_t* mp = dataAs<uint8_t>(mask, mOff);
  const Exec ex = execFor(ed, op, {x, mask});
  const SelectOps& k = ex.backend->select;
  auto fill = need(k.maskedSelectFill, ex, op);
  MaskChunks chunks;
  if (L.numel > 0) need(k.countMask, ex, op)(ex, L, mp, chunks);
  const int64_t count = chunks.total();
  Storage* out;
  Napi::Array res = Napi::Array::New(env, 2);
  res.Set(0u, newOutput(env, ed, ex, count, x->dtype, op, &out));
  res.Set(1u, Napi::Number::New(env, (double)count));
  const int dt = x->dtype;
  const void* xp = dataAs<uint8_t>(x, xOff * (int64_t)dtypeSize(dt));
  void* o = out->data;
  ex.run([=] { fill(ex, dt, L, xp, mp, chunks, o); });
  return res;
}

}  // namespace

void registerSort(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "sort", Sort);
  TF_EXPORT(exports, "nonzero", Nonzero);
  TF_EXPORT(exports, "maskedSelect", MaskedSelect);
}

}  // namespace tf
