// The CPU backend: every family's table points at the kernels in this folder.
#include "../backend/backend.h"
#include "conv.h"
#include "conv_prepack.h"
#include "copy.h"
#include "elementwise.h"
#include "embed.h"
#include "index.h"
#include "linalg.h"
#include "loss.h"
#include "mask.h"
#include "norm.h"
#include "matmul.h"
#include "optim.h"
#include "pool.h"
#include "random.h"
#include "reduce.h"
#include "rnn.h"
#include "softmax.h"
#include "sort.h"

namespace tf {

namespace {

using FindBad1 = int64_t (*)(const Exec&, const StridedLayout<1>&, const int32_t*, int64_t, bool, int32_t*);
using FindBad3 = int64_t (*)(const Exec&, const StridedLayout<3>&, int, const int32_t*, int64_t, bool, int32_t*);

const Backend kCpuBackend = {
    "cpu",
    /*hostMemory=*/true,
    /*memory=*/{nullptr, nullptr, nullptr, nullptr},
    /*copy=*/{copyStrided, fillStrided},
    /*elementwise=*/{binaryKernel, unaryKernel, whereKernel},
    /*reduce=*/{reduceKernel, scanKernel, softmaxKernel},
    /*index=*/{static_cast<FindBad1>(findBadIndex), static_cast<FindBad3>(findBadIndex), gatherKernel, scatterAddKernel,
               oneHotKernel},
    /*matmul=*/{matmulKernel, inverseKernel, detKernel, solveKernel},
    /*loss=*/{xentForward, xentBackward},
    /*optim=*/{sgdUpdate, adamUpdate, rmspropUpdate, adagradUpdate},
    /*random=*/{randomFill, bernoulliFill},
    /*select=*/{sortRows, countNonzero, countMask, nonzeroFill, maskedSelectFill},
    // one family per line block, so the issue-9 branches merge without touching each other
    /*conv=*/{convScratchElems, convForward, convBackwardInput, convBackwardWeight, convPrepackElems, convPrepack},
    //
    /*pool=*/{maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward, resampleForward, resampleBackward},
    //
    /*norm=*/{batchNormForward, batchNormBackward, rowNormForward, rowNormBackward},
    //
    /*rnn=*/{rnnForward, rnnBackward},
    //
    /*embed=*/{embedFindBadId, embedLookup, embedRowsAdd, embedCoalesce, embedRenorm, embedAdagrad, embedAdam},
};

}  // namespace

const Backend& cpuBackend() { return kCpuBackend; }

#ifndef TAPEFLOW_CUDA
const Backend* cudaBackend() { return nullptr; }
#endif

}  // namespace tf
