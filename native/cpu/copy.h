// Strided copy with dtype conversion, and fill. These two kernels carry contiguous(),
// casts, concat/stack/pad/tile/flip and every other op that only moves elements.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/exec.h"

namespace tf {

// L operand 0 = dst, 1 = src (strides in elements).
void copyStrided(const Exec& ex, const StridedLayout<2>& L, void* dst, int dstDtype, const void* src, int srcDtype);
// L operand 0 = dst.
void fillStrided(const Exec& ex, const StridedLayout<1>& L, void* dst, int dtype, double value);

}  // namespace tf
