// Normalisation: batch norm over channels, and layer / group norm over rows (issue 9).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
// Every tensor operand is contiguous (the TS side copies strided views first); optional
// operands are null. Statistics are accumulated in float64 whatever the dtype.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

// x, y: [N, C, HW]. Training: per-channel batch mean and invstd = 1/sqrt(var + eps) (biased var)
// go to saveMean / saveInvstd, and when runMean / runVar are given they are updated in place:
// r = (1 - momentum) r + momentum s, with the unbiased variance (torch). Eval: the running
// stats normalise, and their mean / invstd are saved the same way for the backward.
struct BatchNormFwd {
  int64_t N, C, HW;
  const void* x;
  const void* weight;  // [C] or null (1)
  const void* bias;    // [C] or null (0)
  void* runMean;       // [C] or null
  void* runVar;        // [C] or null
  bool training;
  double eps, momentum;
  void* y;
  void* saveMean;    // [C]
  void* saveInvstd;  // [C]
};

// dy: [N, C, HW]; mean / invstd as saved by the forward. With training, x's batch statistics
// were used, so dx = w invstd (dy - mean(dy) - xhat mean(dy xhat)); else dx = w invstd dy.
// dweight = sum(dy xhat), dbias = sum(dy) per channel. Outputs that are null are skipped.
struct BatchNormBwd {
  int64_t N, C, HW;
  const void* x;
  const void* dy;
  const void* mean;
  const void* invstd;
  const void* weight;  // or null
  bool training;
  void* dx;
  void* dweight;
  void* dbias;
};

// Rows of D = cpg * HW elements, normalised each by its own mean and rstd. Element j of row r
// belongs to channel (r % G) * cpg + j / HW, whose weight / bias (optional, [G * cpg]) apply
// after normalising: layer norm is G = 1, cpg = D, HW = 1; group norm over [N, C, HW] is
// R = N * G rows with cpg = C / G.
struct RowNormFwd {
  int64_t R, G, cpg, HW;
  const void* x;
  const void* weight;
  const void* bias;
  double eps;
  void* y;
  void* mean;  // [R]
  void* rstd;  // [R]
};

struct RowNormBwd {
  int64_t R, G, cpg, HW;
  const void* x;
  const void* dy;
  const void* mean;
  const void* rstd;
  const void* weight;  // or null
  void* dx;            // or null
  void* dweight;       // [G * cpg] or null
  void* dbias;         // [G * cpg] or null
};

struct NormOps {
  void (*batchNormForward)(const Exec&, int dtype, const BatchNormFwd& a);
  void (*batchNormBackward)(const Exec&, int dtype, const BatchNormBwd& a);
  void (*rowNormForward)(const Exec&, int dtype, const RowNormFwd& a);
  void (*rowNormBackward)(const Exec&, int dtype, const RowNormBwd& a);
};

}  // namespace tf
