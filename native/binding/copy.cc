// copy(dst, dstOff, src, srcOff) and fill(dst, dstOff, value): meta = layout with
// strides for dst (and src). Dtype conversion follows the storages' dtypes.
#include "../cpu/copy.h"
#include "common.h"

namespace tf {

static Napi::Value Copy(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info.Env());
  Storage* dst = argStorage(info, 0, "copy");
  int64_t dOff = argInt64(info, 1, "copy");
  Storage* src = argStorage(info, 2, "copy");
  int64_t sOff = argInt64(info, 3, "copy");
  StridedLayout<2> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "copy");
  checkExtent(L, 0, dOff, dst, "copy", "destination");
  checkExtent(L, 1, sOff, src, "copy", "source");
  if (L.numel == 0) return info.Env().Undefined();
  L.coalesce();
  size_t de = dtypeSize(dst->dtype), se = dtypeSize(src->dtype);
  copyStrided(ed->ctx->pool, L, static_cast<uint8_t*>(dst->data) + dOff * de, dst->dtype,
              static_cast<uint8_t*>(src->data) + sOff * se, src->dtype);
  return info.Env().Undefined();
}

static Napi::Value Fill(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info.Env());
  Storage* dst = argStorage(info, 0, "fill");
  int64_t dOff = argInt64(info, 1, "fill");
  double v = argDouble(info, 2, "fill");
  StridedLayout<1> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "fill");
  checkExtent(L, 0, dOff, dst, "fill", "destination");
  if (L.numel == 0) return info.Env().Undefined();
  L.coalesce();
  fillStrided(ed->ctx->pool, L, static_cast<uint8_t*>(dst->data) + dOff * dtypeSize(dst->dtype), dst->dtype, v);
  return info.Env().Undefined();
}

void registerCopy(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "copy", Copy);
  TF_EXPORT(exports, "fill", Fill);
}

}  // namespace tf
