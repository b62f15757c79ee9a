// CPU kernels of the embed family (native/backend/embed.h documents each).
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

int64_t embedFindBadId(const Exec& ex, const int32_t* ids, int64_t n, int64_t V, int32_t* bad);
void embedLookup(const Exec& ex, int dtype, int64_t n, int64_t D, const void* w, int64_t rowStride, const int32_t* ids,
                 void* out);
void embedRowsAdd(const Exec& ex, int dtype, int64_t V, int64_t D, void* dst, const int32_t* idx, int64_t n,
                  const void* src, double alpha, int64_t skip, bool scaleByFreq);
int64_t embedCoalesce(const Exec& ex, int dtype, int64_t n, int64_t D, const int32_t* idx, const void* vals,
                      int32_t* outIdx, void* outVals);
void embedRenorm(const Exec& ex, int dtype, int64_t D, void* w, int64_t rowStride, const int32_t* ids, int64_t n,
                 double maxNorm, double normType);
void embedAdagrad(const Exec& ex, int dtype, int64_t m, int64_t D, void* p, void* sum, const int32_t* idx,
                  const void* vals, double clr, double eps);
void embedAdam(const Exec& ex, int dtype, int64_t m, int64_t D, void* p, void* m1, void* m2, const int32_t* idx,
               const void* vals, double lr, double beta1, double beta2, double eps, double step);

}  // namespace tf
