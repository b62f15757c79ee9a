// Batch norm (per channel) and layer / group norm (per row) kernels: forward in one pass for
// the statistics and one for the output, backward with the parameter gradients fused into the
// statistics pass. Argument structs and their meaning: native/backend/norm.h.
#pragma once
#include "../backend/norm.h"

namespace tf {

void batchNormForward(const Exec& ex, int dtype, const BatchNormFwd& a);
void batchNormBackward(const Exec& ex, int dtype, const BatchNormBwd& a);
void rowNormForward(const Exec& ex, int dtype, const RowNormFwd& a);
void rowNormBackward(const Exec& ex, int dtype, const RowNormBwd& a);

}  // namespace tf
