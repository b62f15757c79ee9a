// Recurrent networks (issue 10): fused LSTM / GRU / RNN forward and backward through time, one
// layer and one direction per call (lib/ops/rnn.ts stacks layers and directions).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
//
// Layouts (all contiguous, row-major, torch's parameter shapes and gate order):
//   x [T, B, I] time-major; h0/hN [B, P]; c0/cN [B, H] (LSTM); y [T, B, P]
//   wih [G*H, I], whh [G*H, P], bih/bhh [G*H], whr [P, H] (LSTM projection, P < H) with
//   G = 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n), 1 (RNN). P = H without a projection.
//   lengths int32 [B] or null: steps t >= lengths[b] leave row b's state unchanged and give 0.
// The workspace (rnnWorkspaceElems) holds what the backward reads: it is written by forward.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

enum RnnMode { kRnnLstm = 0, kRnnGru = 1, kRnnTanh = 2, kRnnRelu = 3 };

struct RnnGeom {
  int mode;
  int64_t T, B, I, H, P;
  bool reverse;  // walks t = T-1 .. 0 (the reverse direction of a bidirectional layer)
};

inline int64_t rnnGates(int mode) { return mode == kRnnLstm ? 4 : mode == kRnnGru ? 3 : 1; }

// Elements of the forward's saved workspace: the gate activations [T, B, G*H], the hidden state
// before each step [T, B, P], the cell state after each step [T, B, H] (LSTM) and W_hn h + b_hn
// [T, B, H] (GRU).
inline int64_t rnnWorkspaceElems(const RnnGeom& g) {
  const int64_t tb = g.T * g.B;
  int64_t n = tb * rnnGates(g.mode) * g.H + tb * g.P;
  if (g.mode == kRnnLstm || g.mode == kRnnGru) n += tb * g.H;
  return n;
}

struct RnnWeights {
  const void *wih, *whh, *bih, *bhh, *whr;  // biases and whr may be null
};

struct RnnOps {
  // y, hN, cN (cN only for LSTM) and the workspace from x, h0, c0 (null = zeros).
  void (*forward)(const Exec&, int dtype, const RnnGeom&, const void* x, const void* h0, const void* c0,
                  const RnnWeights& w, const int32_t* lengths, void* y, void* hN, void* cN, void* ws);
  // From dy [T, B, P], dhN [B, P], dcN [B, H] (LSTM): dx, dh0, dc0 (LSTM), dwih, dwhh, dbih, dbhh
  // (both written even without bias), dwhr (projection only). The weight gradients of all steps
  // are one GEMM each.
  void (*backward)(const Exec&, int dtype, const RnnGeom&, const void* x, const void* h0, const void* c0,
                   const RnnWeights& w, const int32_t* lengths, const void* ws, const void* dy, const void* dhN,
                   const void* dcN, void* dx, void* dh0, void* dc0, void* dwih, void* dwhh, void* dbih, void* dbhh,
                   void* dwhr);
};

}  // namespace tf
