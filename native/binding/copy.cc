// copy(dst, dstOff, src, srcOff) and fill(dst, dstOff, value): meta = layout with
// strides for dst (and src). Dtype conversion follows the storages' dtypes.
#include "../cpu/copy.h"
#include "device.h"

namespace tf {

static Napi::Value Copy(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  Storage* dst = argStorage(info, 0, "copy");
  int64_t dOff = argInt64(info, 1, "copy");
  Storage* src = argStorage(info, 2, "copy");
  int64_t sOff = argInt64(info, 3, "copy");
  StridedLayout<2> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "copy");
  checkExtent(L, 0, dOff, dst, "copy", "destination");
  checkExtent(L, 1, sOff, src, "copy", "source");
  const Exec ex = execFor(ed, "copy", {dst, src});
  auto kernel = need(ex.backend->copy.copy, ex, "copy");
  if (L.numel == 0) return info.Env().Undefined();
  L.coalesce();
  size_t de = dtypeSize(dst->dtype), se = dtypeSize(src->dtype);
  void* dp = static_cast<uint8_t*>(dst->data) + dOff * de;
  const void* sp = static_cast<uint8_t*>(src->data) + sOff * se;
  const int ddt = dst->dtype, sdt = src->dtype;
  ex.run([=] { kernel(ex, L, dp, ddt, sp, sdt); });
  return info.Env().Undefined();
}

static Napi::Value Fill(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  Storage* dst = argStorage(info, 0, "fill");
  int64_t dOff = argInt64(info, 1, "fill");
  double v = argDouble(info, 2, "fill");
  StridedLayout<1> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "fill");
  checkExtent(L, 0, dOff, dst, "fill", "destination");
  const Exec ex = execFor(ed, "fill", {dst});
  auto kernel = need(ex.backend->copy.fill, ex, "fill");
  if (L.numel == 0) return info.Env().Undefined();
  L.coalesce();
  void* dp = static_cast<uint8_t*>(dst->data) + dOff * dtypeSize(dst->dtype);
  const int dt = dst->dtype;
  ex.run([=] { kernel(ex, L, dp, dt, v); });
  return info.Env().Undefined();
}

void registerCopy(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "copy", Copy);
  TF_EXPORT(exports, "fill", Fill);
}

}  // namespace tf
