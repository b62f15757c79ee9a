// Sorting along one axis: sort, argsort and topk share one kernel. Plain C++ over raw
// pointers and a thread pool; no napi here.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../backend/select.h"
#include "../core/exec.h"

namespace tf {


// Rows: one per position of `rows`, the layout of the other dims (operand 0: values and
// indices, which share one layout; operand 1: x). The order is ascending (descending when
// asked); NaN counts as larger than every number, as in torch; equal keys keep their input
// order (a stable sort), which also decides which of equal keys topk keeps. k < len selects
// (nth_element) instead of sorting the whole row. values may be null (argsort). Rows are
// sorted in parallel above a work threshold; results do not depend on the thread count.
void sortRows(const Exec& ex, int dtype, const StridedLayout<2>& rows, const SortSpec& spec, const void* x,
              void* values, int32_t* indices);

}  // namespace tf
