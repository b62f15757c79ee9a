// Checkpoint I/O (lib/io/safetensors*.ts): moves a contiguous run of a cpu storage's elements
// to or from raw little-endian bytes of a file dtype, converting on the way. JS reads and writes
// the file in bounded chunks through one reusable Buffer, so a load never holds the file twice:
// the bytes go from the chunk straight into the tensor's own buffer.
#include <cmath>
#include <cstring>
#include <limits>

#include "device.h"

namespace tf {

// File dtypes, as lib/io/dtypes.ts numbers them.
enum FileKind : int { fF64 = 0, fF32 = 1, fF16 = 2, fBF16 = 3, fI64 = 4, fI32 = 5, fI16 = 6, fI8 = 7, fU8 = 8, fBOOL = 9, kKinds = 10 };
static const int kKindSize[kKinds] = {8, 4, 2, 2, 8, 4, 2, 1, 1, 1};

static inline uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static inline float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// IEEE half -> float, exact (subnormals, infinities and NaN payloads kept; a signalling NaN
// comes back quiet, as torch's conversion gives it).
static inline float halfToFloat(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  if (exp == 0x1f) return floatOf(sign | 0x7f800000 | (man << 13) | (man ? 0x400000u : 0u));
  if (exp != 0) return floatOf(sign | ((exp + 112) << 23) | (man << 13));
  // subnormal or zero: man * 2^-24
  const float v = (float)man * 5.9604644775390625e-8f;
  return sign ? -v : v;
}

// float -> IEEE half, round to nearest even (torch's c10::Half rounding); overflow gives inf.
static inline uint16_t floatToHalf(float f) {
  const uint32_t u = bitsOf(f), sign = (u >> 16) & 0x8000;
  const uint32_t a = u & 0x7fffffff;
  if (a > 0x7f800000) return uint16_t(sign | 0x7e00 | ((a >> 13) & 0x3ff));  // NaN stays NaN (quiet)
  if (a >= 0x477ff000) return uint16_t(sign | 0x7c00);                       // rounds past 65504: inf
  if (a < 0x38800000) {
    // result is subnormal (or zero): value / 2^-24 rounded to an integer, nearest even
    const float v = floatOf(a) * 16777216.0f;  // exact: a power-of-two scale
    const float r = std::nearbyint(v);          // default rounding mode: nearest even
    return uint16_t(sign | (uint32_t)r);
  }
  // normal: drop 13 mantissa bits with round-to-nearest-even, rebias the exponent
  const uint32_t rounded = a + 0xfff + ((a >> 13) & 1);
  return uint16_t(sign | ((rounded - (112u << 23)) >> 13));
}

static inline float bf16ToFloat(uint16_t b) { return floatOf(uint32_t(b) << 16); }

static inline uint16_t floatToBf16(float f) {
  const uint32_t u = bitsOf(f);
  if ((u & 0x7fffffff) > 0x7f800000) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  return uint16_t((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

template <typename S>
static inline S rd(const uint8_t* p) {
  S v;
  std::memcpy(&v, p, sizeof(S));
  return v;
}

// Converts n file elements at src into dst (the storage's dtype). Returns the index of the
// first int64 that int32 cannot hold, or -1.
template <typename D>
static int64_t decodeInto(D* dst, const uint8_t* src, int64_t n, int kind) {
  switch (kind) {
    case fF64: for (int64_t i = 0; i < n; i++) dst[i] = (D)rd<double>(src + 8 * i); break;
    case fF32: for (int64_t i = 0; i < n; i++) dst[i] = (D)rd<float>(src + 4 * i); break;
    case fF16: for (int64_t i = 0; i < n; i++) dst[i] = (D)halfToFloat(rd<uint16_t>(src + 2 * i)); break;
    case fBF16: for (int64_t i = 0; i < n; i++) dst[i] = (D)bf16ToFloat(rd<uint16_t>(src + 2 * i)); break;
    case fI64:
      for (int64_t i = 0; i < n; i++) {
        const int64_t v = rd<int64_t>(src + 8 * i);
        if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) return i;
        dst[i] = (D)v;
      }
      break;
    case fI32: for (int64_t i = 0; i < n; i++) dst[i] = (D)rd<int32_t>(src + 4 * i); break;
    case fI16: for (int64_t i = 0; i < n; i++) dst[i] = (D)rd<int16_t>(src + 2 * i); break;
    case fI8: for (int64_t i = 0; i < n; i++) dst[i] = (D)(int8_t)src[i]; break;
    case fU8: for (int64_t i = 0; i < n; i++) dst[i] = (D)src[i]; break;
    case fBOOL: for (int64_t i = 0; i < n; i++) dst[i] = (D)(src[i] != 0); break;
  }
  return -1;
}

template <typename S>
static void encodeFrom(uint8_t* dst, const S* src, int64_t n, int kind) {
  switch (kind) {
    case fF64: for (int64_t i = 0; i < n; i++) { const double v = (double)src[i]; std::memcpy(dst + 8 * i, &v, 8); } break;
    case fF32: for (int64_t i = 0; i < n; i++) { const float v = (float)src[i]; std::memcpy(dst + 4 * i, &v, 4); } break;
    case fF16: for (int64_t i = 0; i < n; i++) { const uint16_t v = floatToHalf((float)src[i]); std::memcpy(dst + 2 * i, &v, 2); } break;
    case fBF16: for (int64_t i = 0; i < n; i++) { const uint16_t v = floatToBf16((float)src[i]); std::memcpy(dst + 2 * i, &v, 2); } break;
    case fI32: for (int64_t i = 0; i < n; i++) { const int32_t v = (int32_t)src[i]; std::memcpy(dst + 4 * i, &v, 4); } break;
    case fBOOL: for (int64_t i = 0; i < n; i++) dst[i] = src[i] != 0; break;
  }
}

// Which file kinds a storage dtype may be read from / written as (lib/io/dtypes.ts documents it).
static bool readable(int dt, int kind) {
  switch (dt) {
    case kF32: case kF64: return kind == fF64 || kind == fF32 || kind == fF16 || kind == fBF16;
    case kI32: return kind == fI64 || kind == fI32 || kind == fI16 || kind == fI8 || kind == fU8;
    case kBool: return kind == fBOOL;
  }
  return false;
}
static bool writable(int dt, int kind) {
  switch (dt) {
    case kF32: case kF64: return kind == fF64 || kind == fF32 || kind == fF16 || kind == fBF16;
    case kI32: return kind == fI32;
    case kBool: return kind == fBOOL;
  }
  return false;
}

struct Span {
  Storage* s;
  int64_t offset, count;
  uint8_t* bytes;
  int kind;
};

// (handle, elemOffset, count, bytes: Uint8Array, byteOffset, kind): checks every number and
// that both ranges lie inside their buffers.
static Span readSpan(const Napi::CallbackInfo& info, const char* op) {
  Span sp;
  sp.s = argStorage(info, 0, op);
  sp.offset = argInt64(info, 1, op);
  sp.count = argInt64(info, 2, op);
  sp.kind = argInt(info, 5, op);
  const int64_t byteOffset = argInt64(info, 4, op);
  if (sp.kind < 0 || sp.kind >= kKinds) fail("ERR_ARGUMENT", std::string(op) + ": unknown file dtype code");
  if (sp.s->device != kCpu) fail("ERR_DEVICE", std::string(op) + ": the storage is on " + deviceName(sp.s->device) + "; use a cpu tensor");
  const int64_t cap = (int64_t)(sp.s->nbytes / dtypeSize(sp.s->dtype));
  if (sp.offset < 0 || sp.count < 0 || sp.offset > cap || sp.count > cap - sp.offset)
    fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": element range outside the storage");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    fail("ERR_ARGUMENT", std::string(op) + ": bytes must be a Uint8Array (or Buffer)");
  Napi::Uint8Array u8 = info[3].As<Napi::Uint8Array>();
  const int64_t len = (int64_t)u8.ByteLength();
  int64_t need;
  if (__builtin_mul_overflow(sp.count, (int64_t)kKindSize[sp.kind], &need) || byteOffset < 0 || byteOffset > len || need > len - byteOffset)
    fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": byte range outside the buffer");
  sp.bytes = u8.Data() + byteOffset;
  return sp;
}

// ioDecode(h, elemOffset, count, bytes, byteOffset, kind) -> -1, or the index (within this
// run) of the first int64 outside int32's range (nothing after it is written).
static Napi::Value IoDecode(const Napi::CallbackInfo& info) {
  envData(info);
  Span sp = readSpan(info, "ioDecode");
  if (!readable(sp.s->dtype, sp.kind)) fail("ERR_DTYPE", std::string("ioDecode: cannot read this file dtype into ") + dtypeName(sp.s->dtype));
  int64_t bad = -1;
  dispatchDType(sp.s->dtype, [&](auto t) {
    using T = decltype(t);
    bad = decodeInto<T>(dataAs<T>(sp.s, sp.offset), sp.bytes, sp.count, sp.kind);
  });
  return Napi::Number::New(info.Env(), (double)bad);
}

// ioEncode(h, elemOffset, count, bytes, byteOffset, kind): writes elements as the file dtype.
static Napi::Value IoEncode(const Napi::CallbackInfo& info) {
  envData(info);
  Span sp = readSpan(info, "ioEncode");
  if (!writable(sp.s->dtype, sp.kind)) fail("ERR_DTYPE", std::string("ioEncode: cannot write ") + dtypeName(sp.s->dtype) + " as this file dtype");
  dispatchDType(sp.s->dtype, [&](auto t) {
    using T = decltype(t);
    encodeFrom<T>(sp.bytes, dataAs<T>(sp.s, sp.offset), sp.count, sp.kind);
  });
  return info.Env().Undefined();
}

void registerIo(Napi::Env env, Napi::Object exports) {
  static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE floats expected");
  TF_EXPORT(exports, "ioDecode", IoDecode);
  TF_EXPORT(exports, "ioEncode", IoEncode);
}

}  // namespace tf
