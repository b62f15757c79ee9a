// Pooling kernels of the CPU backend (native/backend/pool.h documents the contract).
#pragma once
#include <cstdint>
#include <vector>

#include "../backend/pool.h"

namespace tf {

// The windows of one axis: window o reads cnt[o] taps lo[o], lo[o] + step, ... (all inside
// [0, size)); div[o] is its avg-pool divisor factor. lo is torch's first tap at or after 0,
// kept even for an empty window (max pool reports lo as the index of an all-padding window).
struct PoolAxis {
  std::vector<int64_t> lo, cnt, div;
  int64_t step = 1;
};
PoolAxis poolAxis(const PoolGeom& g, bool rows);

void maxPoolForward(const Exec& ex, int dtype, const PoolGeom& g, const void* x, void* out, int32_t* idx);
void maxPoolBackward(const Exec& ex, int dtype, const PoolGeom& g, const void* gout, const int32_t* idx, void* dx);
void avgPoolForward(const Exec& ex, int dtype, const PoolGeom& g, const void* x, void* out);
void avgPoolBackward(const Exec& ex, int dtype, const PoolGeom& g, const void* gout, void* dx);

// 2x2 stride-2 max pool of one plane (no padding, no dilation) over the windows that lie
// fully inside it (oh < H/2, ow < W/2); true when it handled them (float32 with AVX2).
bool maxPool2x2Plane(const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW, float* out, int32_t* idx);

// Its backward for one plane (OH = H/2, OW = W/2; else false): dx written whole, without a scatter.
bool maxPool2x2BackPlane(const float* g, const int32_t* idx, int64_t H, int64_t W, int64_t OH, int64_t OW, float* dx);

// Separable float32 forward of a max pool without indices (isMax) or an average pool, over
// every plane (pool_sep.cc); false (nothing written) where the geometry is not one it covers:
// adaptive windows, a stride other than 1 or 2 along the width, avg with dilation or an
// all-padding window, windows that do not overlap (2x2 stride 2), tables past their caps
// (very wide or tall kernels), or no AVX2.
bool poolSepF32(const Exec& ex, const PoolGeom& g, bool isMax, const float* x, float* out);

// The same for a pool whose output plane is the input's size (stride 1, SAME padding), with
// the axes' windows (pool_flat.cc); false where the geometry is another.
bool poolSameF32(const Exec& ex, const PoolGeom& g, bool isMax, const PoolAxis& ah, const PoolAxis& aw, const float* x, float* out);

// An average pool whose one window is the whole plane (global average pooling, plain or
// adaptive): a mean per plane, 16 inputs per step. False where the geometry is another.
bool poolGlobalAvgF32(const Exec& ex, const PoolGeom& g, const float* x, float* out);

void resampleForward(const Exec& ex, int dtype, const ResampleGeom& g, const void* x, void* out);
void resampleBackward(const Exec& ex, int dtype, const ResampleGeom& g, const void* gout, void* dx);

// Planes per task: about kGrainElementwise elements of work each.
int64_t planeGrain(int64_t perPlane);

}  // namespace tf
