// Selection by a mask, count-then-fill: nonzero (coordinates or flat positions of the
// nonzero elements) and maskedSelect (the elements where a bool mask is true). A first
// pass counts the hits per chunk of the row-major order, the caller allocates exactly the
// result, and a second pass writes every chunk at its prefix offset, so both passes run in
// parallel and the output keeps the row-major order whatever the thread count.
// Plain C++ over raw pointers and a thread pool; no napi here.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/shape.h"
#include "../backend/select.h"
#include "../core/exec.h"

namespace tf {


// Counts the nonzero elements of x (NaN counts, -0 does not) over L (any dtype).
void countNonzero(const Exec& ex, int dtype, const StridedLayout<1>& L, const void* x, MaskChunks& c);
// Counts the true elements of the bool operand 1 of L.
void countMask(const Exec& ex, const StridedLayout<2>& L, const uint8_t* mask, MaskChunks& c);

// Writes each nonzero element's position: with flat, its row-major index (out: total
// elements); else its coordinates over L's dims (out: total x L.ndim, row-major), so L
// must keep the tensor's own dims (not coalesced). c must come from countNonzero over the
// same elements in the same order.
void nonzeroFill(const Exec& ex, int dtype, const StridedLayout<1>& L, const void* x, const MaskChunks& c, bool flat,
                 int32_t* out);

// out[r] = the r-th element of x (operand 0 of L) where the mask (operand 1) is true.
void maskedSelectFill(const Exec& ex, int dtype, const StridedLayout<2>& L, const void* x, const uint8_t* mask,
                      const MaskChunks& c, void* out);

}  // namespace tf
