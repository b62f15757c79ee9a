// The CUDA elementwise and copy kernels (ElementwiseOps and CopyOps of backend/backend.h).
#pragma once
#include <cstdint>

#include "../core/exec.h"
#include "../core/shape.h"

namespace tf {
namespace cuda {

void binary(const Exec& ex, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b);
void unary(const Exec& ex, int op, int dtype, int inDtype, const StridedLayout<2>& L, void* out, const void* a,
           double alpha, double beta);
void where(const Exec& ex, int dtype, const StridedLayout<4>& L, void* out, const uint8_t* cond, const void* a,
           const void* b);
void copy(const Exec& ex, const StridedLayout<2>& L, void* dst, int dstDtype, const void* src, int srcDtype);
void fill(const Exec& ex, const StridedLayout<1>& L, void* dst, int dtype, double value);

}  // namespace cuda
}  // namespace tf
