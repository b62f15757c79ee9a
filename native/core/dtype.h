// Element types shared by kernels and bindings. Codes match lib/dtype.ts.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

enum DType : int { kF32 = 0, kF64 = 1, kI32 = 2, kBool = 3 };

inline size_t dtypeSize(int dt) {
  switch (dt) {
    case kF32: return 4;
    case kF64: return 8;
    case kI32: return 4;
    case kBool: return 1;
    default: return 0;
  }
}

inline const char* dtypeName(int dt) {
  switch (dt) {
    case kF32: return "float32";
    case kF64: return "float64";
    case kI32: return "int32";
    case kBool: return "bool";
    default: return "unknown";
  }
}

// Calls f with a value of the C++ type for dt (float, double, int32_t, uint8_t).
template <typename F>
inline void dispatchDType(int dt, F&& f) {
  switch (dt) {
    case kF32: f(float{}); break;
    case kF64: f(double{}); break;
    case kI32: f(int32_t{}); break;
    case kBool: f(uint8_t{}); break;
    default: break;
  }
}

}  // namespace tf
