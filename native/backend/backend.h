// The backend interface: one table of kernels per op family, one Backend per device
// kind (candle's backend trait is the model). Bindings never call cpu::x directly: they
// resolve the operands' device to a Backend (binding/device.h) and call through it. An
// entry a backend lacks is null, and the binding reports "<op> is not implemented on
// <device> yet" (ERR_DEVICE) instead of branching on the device itself.
//
// Every kernel takes the Exec first and raw pointers to element 0 of each view, with
// layouts in elements. Shapes, dtypes and extents are validated by the binding before
// any of these run; kernels still throw tf::Error for data-dependent failures (a bad
// label, a singular matrix, integer division by zero).
#pragma once
#include <cstdint>

#include "../core/exec.h"
#include "../core/shape.h"
#include "batch.h"
#include "select.h"
#include "conv.h"
#include "norm.h"
#include "pool.h"
#include "rnn.h"
#include "embed.h"

namespace tf {

// Host <-> device transfers and device memory; the CPU backend has none of these.
struct MemoryOps {
  void* (*alloc)(const Exec&, size_t nbytes);     // throws ERR_OUT_OF_MEMORY
  void (*free)(const Exec&, void* p, size_t nbytes);
  void (*toHost)(const Exec&, void* host, const void* dev, size_t nbytes);
  void (*fromHost)(const Exec&, void* dev, const void* host, size_t nbytes);
};

struct CopyOps {
  // L operand 0 = dst, 1 = src; converts between the two dtypes.
  void (*copy)(const Exec&, const StridedLayout<2>& L, void* dst, int dstDtype, const void* src, int srcDtype);
  void (*fill)(const Exec&, const StridedLayout<1>& L, void* dst, int dtype, double value);
};

struct ElementwiseOps {
  // L operands: 0 = out (contiguous), 1 = a, 2 = b; out is bool for comparisons, else dtype.
  void (*binary)(const Exec&, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b);
  // L operands: 0 = out, 1 = a (inDtype elements computed in dtype).
  void (*unary)(const Exec&, int op, int dtype, int inDtype, const StridedLayout<2>& L, void* out, const void* a,
                double alpha, double beta);
  // L operands: 0 = out, 1 = cond (bool), 2 = a, 3 = b.
  void (*where)(const Exec&, int dtype, const StridedLayout<4>& L, void* out, const uint8_t* cond, const void* a,
                const void* b);
};

struct ReduceOps {
  void (*reduce)(const Exec&, int op, int dtype, const StridedLayout<1>& X, int nKept, const void* x, void* out);
  void (*scan)(const Exec&, int op, int dtype, const StridedLayout<2>& L, void* out, const void* x);
  void (*softmax)(const Exec&, bool log, int dtype, const StridedLayout<2>& L, void* out, const void* x);
};

struct IndexOps {
  int64_t (*findBadIndex)(const Exec&, const StridedLayout<1>& L, const int32_t* idx, int64_t dim, bool allowNegative,
                          int32_t* badValue);
  int64_t (*findBadIndexOf)(const Exec&, const StridedLayout<3>& L, int k, const int32_t* idx, int64_t dim,
                            bool allowNegative, int32_t* badValue);
  void (*gather)(const Exec&, const StridedLayout<3>& L, int dtype, void* out, const void* x, const int32_t* idx,
                 int64_t axisDim, int64_t axisStride);
  void (*scatterAdd)(const Exec&, const StridedLayout<3>& L, int64_t rowLen, int dtype, void* out, const int32_t* idx,
                     const void* src, int64_t axisStride, int64_t axisDim);
  void (*oneHot)(const Exec&, const StridedLayout<1>& L, int dtype, void* out, const int32_t* idx, int64_t depth,
                 double onValue, double offValue);
};

struct MatmulOps {
  void (*matmul)(const Exec&, int dtype, const BatchIndex<2>& batch, int64_t M, int64_t N, int64_t K, const MatView& a,
                 const MatView& b, void* out);
  void (*inverse)(const Exec&, int dtype, const BatchIndex<1>& batch, int64_t n, const MatView& x, void* out);
  void (*det)(const Exec&, int dtype, const BatchIndex<1>& batch, int64_t n, const MatView& x, void* out);
  void (*solve)(const Exec&, int dtype, const BatchIndex<2>& batch, int64_t n, int64_t k, const MatView& a,
                const MatView& rhs, void* out);
};

struct LossOps {
  int64_t (*xentForward)(const Exec&, int dtype, int64_t N, int64_t C, const void* x, const int32_t* labels,
                         int64_t labelStride, int64_t ignoreIndex, void* loss, void* lse);
  void (*xentBackward)(const Exec&, int dtype, int64_t N, int64_t C, const void* x, const int32_t* labels,
                       int64_t labelStride, int64_t ignoreIndex, const void* lse, const void* g, int64_t gStride,
                       double scale, void* dx);
};

struct OptimOps {
  void (*sgd)(const Exec&, int dtype, int64_t n, void* p, const void* g, void* buf, double lr, double momentum,
              double dampening, double weightDecay, bool nesterov, bool firstStep);
  void (*adam)(const Exec&, int dtype, int64_t n, void* p, const void* g, void* expAvg, void* expAvgSq, double lr,
               double beta1, double beta2, double eps, double weightDecay, bool decoupled, double step);
  void (*rmsprop)(const Exec&, int dtype, int64_t n, void* p, const void* g, void* squareAvg, void* gradAvg, void* buf,
                  double lr, double alpha, double eps, double weightDecay, double momentum);
  void (*adagrad)(const Exec&, int dtype, int64_t n, void* p, const void* g, void* stateSum, double lr, double lrDecay,
                  double weightDecay, double eps, double step);
};

struct RandomOps {
  uint64_t (*fill)(const Exec&, void* dst, int dtype, int64_t n, int kind, uint64_t seed, uint64_t offset, double a,
                   double b);
  uint64_t (*bernoulli)(const Exec&, void* dst, int dtype, const void* p, int pdtype, int64_t n, uint64_t seed,
                        uint64_t offset);
};

// Sorting and selection: rows sorted (or their top k) with int32 indices; nonzero / masked
// select count their hits per chunk first (the output size depends on the data), then fill.
struct SelectOps {
  void (*sortRows)(const Exec&, int dtype, const StridedLayout<2>& rows, const SortSpec& spec, const void* x,
                   void* values, int32_t* indices);
  void (*countNonzero)(const Exec&, int dtype, const StridedLayout<1>& L, const void* x, MaskChunks& c);
  void (*countMask)(const Exec&, const StridedLayout<2>& L, const uint8_t* mask, MaskChunks& c);
  void (*nonzeroFill)(const Exec&, int dtype, const StridedLayout<1>& L, const void* x, const MaskChunks& c, bool flat,
                      int32_t* out);
  void (*maskedSelectFill)(const Exec&, int dtype, const StridedLayout<2>& L, const void* x, const uint8_t* mask,
                           const MaskChunks& c, void* out);
};

struct Backend {
  const char* name;
  bool hostMemory;  // storages are directly readable by the CPU (no MemoryOps needed)
  MemoryOps memory;
  CopyOps copy;
  ElementwiseOps elementwise;
  ReduceOps reduce;
  IndexOps index;
  MatmulOps matmul;
  LossOps loss;
  OptimOps optim;
  RandomOps random;
  SelectOps select;
  ConvOps conv;
  PoolOps pool;
  NormOps norm;
  RnnOps rnn;
  EmbedOps embed;
};

const Backend& cpuBackend();
// The CUDA backend when the addon was built with TAPEFLOW_CUDA, else null.
const Backend* cudaBackend();

}  // namespace tf
