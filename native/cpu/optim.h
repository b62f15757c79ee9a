// Fused optimizer update kernels: one pass per parameter per step, updating the
// parameter (and its state buffers) in place. Every pointer is contiguous over n
// elements of the given float dtype (F32 or F64); optional state pointers may be null.
// Formulas follow torch.optim (1.13, single-tensor path); arithmetic runs in the
// parameter's dtype like torch's CPU kernels.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

// SGD. buf: momentum buffer (null when momentum == 0). firstStep: buf is uninitialized and
// is set to the (decayed) gradient, as torch's clone on the first step.
void sgdUpdate(const Exec& ex, int dtype, int64_t n, void* p, const void* g, void* buf, double lr, double momentum,
               double dampening, double weightDecay, bool nesterov, bool firstStep);

// Adam / AdamW (decoupled = AdamW). step is the 1-based step count after increment.
void adamUpdate(const Exec& ex, int dtype, int64_t n, void* p, const void* g, void* expAvg, void* expAvgSq,
                double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, double step);

// RMSprop. gradAvg non-null when centered; buf non-null when momentum > 0.
void rmspropUpdate(const Exec& ex, int dtype, int64_t n, void* p, const void* g, void* squareAvg, void* gradAvg,
                   void* buf, double lr, double alpha, double eps, double weightDecay, double momentum);

// Adagrad. step is the 1-based step count after increment.
void adagradUpdate(const Exec& ex, int dtype, int64_t n, void* p, const void* g, void* stateSum, double lr,
                   double lrDecay, double weightDecay, double eps, double step);

}  // namespace tf
