// Device dispatch helpers (device.h) and the device entry points:
//   cudaInfo() -> { built, deviceCount }
//   storageDevice(h) -> device code (0 = cpu, 1 + N = cuda:N)
//   toDevice(h, offset, numel, device) -> handle: a new contiguous storage on `device` holding
//     elements [offset, offset + numel) of h (lib/ops/device.ts makes the source contiguous first)
#include "device.h"

#include <cstring>
#include <memory>

#ifdef TAPEFLOW_CUDA
#include "../cuda/memory.h"
#endif

namespace tf {

void failMixedDevices(const char* op, int a, int b) {
  fail("ERR_DEVICE", std::string(op) + ": expected all tensors on one device, got " + deviceName(a) + " and " +
                         deviceName(b));
}

void failNotOnDevice(const char* op, int device) {
  fail("ERR_DEVICE", std::string(op) + " is not implemented on " + deviceName(device) + " yet");
}

const Backend& backendFor(int device, const char* op) {
  if (device == kCpu) return cpuBackend();
  const Backend* be = isCuda(device) ? cudaBackend() : nullptr;
  if (!be)
    fail("ERR_DEVICE", std::string(op) + ": " + deviceName(device) +
                           " is not available: tapeflow was built without CUDA (npm run build:cuda)");
  return *be;
}

static int cudaDevices() {
#ifdef TAPEFLOW_CUDA
  return cuda::deviceCount();
#else
  return 0;
#endif
}

static Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("built", Napi::Boolean::New(env, cudaBackend() != nullptr));
  o.Set("deviceCount", Napi::Number::New(env, cudaDevices()));
  return o;
}

static Napi::Value StorageDevice(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), argStorage(info, 0, "device")->device);
}

static Napi::Value ToDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "to";
  Storage* src = argStorage(info, 0, op);
  int64_t off = argInt64(info, 1, op);
  int64_t n = argInt64(info, 2, op);
  int dev = argInt(info, 3, op);
  const size_t es = dtypeSize(src->dtype);
  const int64_t cap = (int64_t)(src->nbytes / es);
  if (off < 0 || n < 0 || off > cap || n > cap - off) fail("ERR_OUT_OF_BOUNDS", "to: range outside the source storage");
  if (dev != kCpu && !(isCuda(dev) && cudaIndex(dev) < cudaDevices()))
    fail("ERR_DEVICE", "to: " + deviceName(dev) + " is not available (" + std::to_string(cudaDevices()) +
                           " CUDA device(s) visible" + (cudaBackend() ? ")" : "; built without CUDA)"));
  const Exec dstEx{dev, &backendFor(dev, op), &ed->ctx->pool};
  const Exec srcEx{src->device, &backendFor(src->device, op), &ed->ctx->pool};
  Storage* dst;
  Napi::Value h = newOutput(env, ed, dstEx, n, src->dtype, op, &dst);
  const size_t bytes = (size_t)n * es;
  if (bytes == 0) return h;
  const uint8_t* sp = static_cast<const uint8_t*>(src->data) + off * (int64_t)es;
  if (src->device == kCpu && dev == kCpu) {
    std::memcpy(dst->data, sp, bytes);
  } else if (src->device == kCpu) {
    dstEx.backend->memory.fromHost(dstEx, dst->data, sp, bytes);
  } else if (dev == kCpu) {
    srcEx.backend->memory.toHost(srcEx, dst->data, sp, bytes);
  } else {  // device to device: staged through the host (peer copies later)
    std::unique_ptr<uint8_t[]> tmp(new uint8_t[bytes]);
    srcEx.backend->memory.toHost(srcEx, tmp.get(), sp, bytes);
    dstEx.backend->memory.fromHost(dstEx, dst->data, tmp.get(), bytes);
  }
  return h;
}

void registerDevice(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "cudaInfo", CudaInfo);
  TF_EXPORT(exports, "storageDevice", StorageDevice);
  TF_EXPORT(exports, "toDevice", ToDevice);
}

}  // namespace tf
