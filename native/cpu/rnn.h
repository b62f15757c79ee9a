// CPU kernels of the rnn family (native/backend/rnn.h): fused LSTM / GRU / RNN through time.
#pragma once
#include "../backend/rnn.h"

namespace tf {

void rnnForward(const Exec& ex, int dtype, const RnnGeom& g, const void* x, const void* h0, const void* c0,
                const RnnWeights& w, const int32_t* lengths, void* y, void* hN, void* cN, void* ws);
void rnnBackward(const Exec& ex, int dtype, const RnnGeom& g, const void* x, const void* h0, const void* c0,
                 const RnnWeights& w, const int32_t* lengths, const void* ws, const void* dy, const void* dhN,
                 const void* dcN, void* dx, void* dh0, void* dc0, void* dwih, void* dwhh, void* dbih, void* dbhh,
                 void* dwhr);

}  // namespace tf
