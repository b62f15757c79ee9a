// The CUDA backend table: memory, copies and the elementwise family run on the GPU; every
// other family is null, so its ops answer "<op> is not implemented on cuda:N yet".
// Compiled only with TAPEFLOW_CUDA (cmake-js -DTAPEFLOW_CUDA=ON: npm run build:cuda).
#include "../backend/backend.h"
#include "elementwise.h"
#include "memory.h"

namespace tf {

namespace {
const Backend kCudaBackend = {
    "cuda",
    /*hostMemory=*/false,
    /*memory=*/{cuda::deviceAlloc, cuda::deviceFree, cuda::toHost, cuda::fromHost},
    /*copy=*/{cuda::copy, cuda::fill},
    /*elementwise=*/{cuda::binary, cuda::unary, cuda::where},
    /*reduce=*/{},
    /*index=*/{},
    /*matmul=*/{},
    /*loss=*/{},
    /*optim=*/{},
    /*random=*/{},
    /*select=*/{},
    /*conv=*/{},
    /*pool=*/{},
    /*norm=*/{},
    /*rnn=*/{},
    /*embed=*/{},
};
}  // namespace

const Backend* cudaBackend() { return &kCudaBackend; }

}  // namespace tf
