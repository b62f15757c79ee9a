// Fused recurrent layers, one layer and direction per call (layouts: backend/rnn.h).
// Forward: the input projection of every step is one GEMM (x W_ih^T + biases, written into the
// gate buffer), then per step one GEMM on the hidden state (W_hh packed once) and one fused pass
// over the gates, which leaves the activations in place for the backward. Backward through time:
// per step one fused pass giving the pre-activation gradients of all gates and one GEMM for
// dL/dh; then dx, dW_ih, dW_hh and dW_hr are one GEMM over all steps together, each bias one
// column sum.
// Rows past their sequence's length keep their state, output 0 and pass gradients through.
#include "rnn.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "../core/dtype.h"
#include "rnn_cells.h"
#include "rnn_gemm.h"

namespace tf {
namespace {

using rnn::Scratch;
using rnn::StepMat;

struct Dims {
  int64_t T, B, I, H, P, G, GH;
  bool lstm, gru, relu, proj;
  int64_t first, step;  // the first time index the direction visits and its increment
  Dims(const RnnGeom& g, bool hasProj)
      : T(g.T), B(g.B), I(g.I), H(g.H), P(g.P), G(rnnGates(g.mode)), GH(G * g.H), lstm(g.mode == kRnnLstm),
        gru(g.mode == kRnnGru), relu(g.mode == kRnnRelu), proj(hasProj), first(g.reverse ? g.T - 1 : 0),
        step(g.reverse ? -1 : 1) {}
  int64_t rowGrain() const { return std::max<int64_t>(1, 4096 / (GH > 0 ? GH : 1)); }
};

inline bool active(const int32_t* len, int64_t b, int64_t t) { return !len || t < (int64_t)len[b]; }

template <typename T>
void copyOrZero(T* dst, const void* src, int64_t n) {
  if (src) std::memcpy(dst, src, (size_t)n * sizeof(T));
  else std::fill(dst, dst + n, T(0));
}

// The bias gradients: sums over all steps' rows, column blocks in parallel (a GEMM with a ones
// vector would pack the whole gradient matrix first); rows added in order, so thread-count free.
template <typename T>
void columnSums(const Exec& ex, int64_t rows, int64_t n, const T* a, T* out) {
  ex.pool().parallelFor((n + 63) / 64, 1, [&](int64_t c0, int64_t c1) {
    const int64_t j0 = c0 * 64, j1 = std::min(n, c1 * 64);
    std::fill(out + j0, out + j1, T(0));
    for (int64_t r = 0; r < rows; r++)
      for (int64_t j = j0; j < j1; j++) out[j] += a[r * n + j];
  });
}

template <typename T>
void forwardT(const Exec& ex, const RnnGeom& geom, const T* x, const T* h0, const T* c0, const RnnWeights& w,
              const int32_t* len, T* y, T* hN, T* cN, T* ws) {
  const Dims d(geom, w.whr != nullptr);
  const int64_t T_ = d.T, B = d.B, H = d.H, P = d.P, GH = d.GH;
  if (T_ == 0 || B == 0) {
    copyOrZero(hN, h0, B * P);
    if (d.lstm) copyOrZero(cN, c0, B * H);
    return;
  }
  T* gates = ws;
  T* hprev = gates + T_ * B * GH;
  T* extra = hprev + T_ * B * P;  // LSTM: c after each step; GRU: hh_n + b_hn
  const T *wih = static_cast<const T*>(w.wih), *whh = static_cast<const T*>(w.whh);
  const T *bih = static_cast<const T*>(w.bih), *bhh = static_cast<const T*>(w.bhh);
  rnn::gemm(ex, false, true, T_ * B, GH, d.I, x, d.I, wih, d.I, T(0), gates, GH);
  Scratch<T> brow(GH), bhn(H), c0z(d.lstm ? B * H : 1);
  for (int64_t j = 0; j < GH; j++)  // GRU keeps b_hn apart: it sits inside r * (.)
    brow.get()[j] = (bih ? bih[j] : T(0)) + (bhh && (!d.gru || j < 2 * H) ? bhh[j] : T(0));
  for (int64_t j = 0; j < H; j++) bhn.get()[j] = d.gru && bhh ? bhh[2 * H + j] : T(0);
  if (bih || bhh)
    ex.pool().parallelFor(T_ * B, d.rowGrain(), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++)
        for (int64_t j = 0; j < GH; j++) gates[r * GH + j] += brow.get()[j];
    });
  if (d.lstm) copyOrZero(c0z.get(), c0, B * H);
  StepMat<T> Whh(true, P, GH, whh, P);
  std::unique_ptr<StepMat<T>> Whr;
  if (d.proj) Whr.reset(new StepMat<T>(true, H, P, static_cast<const T*>(w.whr), H));
  Scratch<T> hh(d.gru ? B * GH : 1), r(d.proj ? B * H : 1);
  copyOrZero(hprev + d.first * B * P, h0, B * P);
  for (int64_t s = 0; s < T_; s++) {
    const int64_t t = d.first + s * d.step;
    const T* hcur = hprev + t * B * P;
    T* hnext = s + 1 < T_ ? hprev + (t + d.step) * B * P : hN;
    const T* cprev = s == 0 ? c0z.get() : extra + (t - d.step) * B * H;
    T* ct = extra + t * B * H;
    // LSTM / RNN: the recurrent product lands on the gate pre-activations (beta 1); GRU keeps it
    // apart, since W_hn h is multiplied by r
    if (d.gru) Whh.mul(ex, B, hcur, P, T(0), hh.get(), GH);
    else Whh.mul(ex, B, hcur, P, T(1), gates + t * B * GH, GH);
    ex.pool().parallelFor(B, d.rowGrain(), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        T* g = gates + (t * B + b) * GH;
        const T* hr = d.gru ? hh.get() + b * GH : nullptr;
        T* out = d.proj ? r.get() + b * H : hnext + b * P;
        if (!active(len, b, t)) {
          if (d.lstm) std::memcpy(ct + b * H, cprev + b * H, H * sizeof(T));
          if (d.proj) std::fill(out, out + H, T(0));
          else std::memcpy(out, hcur + b * P, P * sizeof(T));
        } else if (d.lstm) rnn::lstmForwardRow(H, g, cprev + b * H, ct + b * H, out);
        else if (d.gru) rnn::gruForwardRow(H, g, hr, bhn.get(), hcur + b * P, ct + b * H, out);
        else rnn::rnnForwardRow(H, d.relu, g, out);
      }
    });
    if (d.proj) {
      Whr->mul(ex, B, r.get(), H, T(0), hnext, P);
      for (int64_t b = 0; b < B; b++)
        if (!active(len, b, t)) std::memcpy(hnext + b * P, hcur + b * P, P * sizeof(T));
    }
    T* yt = y + t * B * P;
    for (int64_t b = 0; b < B; b++)
      if (active(len, b, t)) std::memcpy(yt + b * P, hnext + b * P, P * sizeof(T));
      else std::fill(yt + b * P, yt + (b + 1) * P, T(0));
  }
  if (d.lstm) std::memcpy(cN, extra + (d.first + (T_ - 1) * d.step) * B * H, B * H * sizeof(T));
}

template <typename T>
void backwardT(const Exec& ex, const RnnGeom& geom, const T* x, const T* c0, const RnnWeights& w, const int32_t* len,
               const T* ws, const T* dy, const T* dhN, const T* dcN, T* dx, T* dh0, T* dc0, T* dwih, T* dwhh, T* dbih,
               T* dbhh, T* dwhr) {
  const Dims d(geom, w.whr != nullptr);
  const int64_t T_ = d.T, B = d.B, I = d.I, H = d.H, P = d.P, GH = d.GH, TB = T_ * B;
  std::memcpy(dh0, dhN, B * P * sizeof(T));
  if (d.lstm) std::memcpy(dc0, dcN, B * H * sizeof(T));
  if (TB == 0) {
    std::fill(dwih, dwih + GH * I, T(0));
    std::fill(dwhh, dwhh + GH * P, T(0));
    std::fill(dbih, dbih + GH, T(0));
    std::fill(dbhh, dbhh + GH, T(0));
    if (d.proj) std::fill(dwhr, dwhr + P * H, T(0));
    return;
  }
  const T* gates = ws;
  const T* hprev = gates + TB * GH;
  const T* extra = hprev + TB * P;
  Scratch<T> dGx(TB * GH), dGh(d.gru ? TB * GH : 1), carry2(B * P), dh(B * P), c0z(d.lstm ? B * H : 1);
  Scratch<T> dhAll(d.proj ? TB * P : 1), rAll(d.proj ? TB * H : 1), dr(d.proj ? B * H : 1), direct(d.gru ? B * H : 1);
  T* dGhp = d.gru ? dGh.get() : dGx.get();
  T* carry = dh0;  // dL/dh after the current step; ends as dh0
  T* next = carry2.get();
  T* dc = dc0;
  if (d.lstm) copyOrZero(c0z.get(), c0, B * H);
  StepMat<T> Whh(false, GH, P, static_cast<const T*>(w.whh), P);
  std::unique_ptr<StepMat<T>> Whr;
  if (d.proj) Whr.reset(new StepMat<T>(false, P, H, static_cast<const T*>(w.whr), H));
  for (int64_t s = T_ - 1; s >= 0; s--) {
    const int64_t t = d.first + s * d.step;
    const T* hcur = hprev + t * B * P;
    const T* ct = extra + t * B * H;
    const T* cprev = s == 0 ? c0z.get() : extra + (t - d.step) * B * H;
    T* dht = d.proj ? dhAll.get() + t * B * P : dh.get();
    for (int64_t b = 0; b < B; b++) {
      T* row = dht + b * P;
      if (!active(len, b, t)) std::fill(row, row + P, T(0));
      else
        for (int64_t j = 0; j < P; j++) row[j] = carry[b * P + j] + dy[(t * B + b) * P + j];
    }
    if (d.proj) {
      T* rt = rAll.get() + t * B * H;
      for (int64_t b = 0; b < B; b++) {
        const T* a = gates + (t * B + b) * GH;
        for (int64_t j = 0; j < H; j++)
          rt[b * H + j] = active(len, b, t) ? a[3 * H + j] * rnn::tanhT(ct[b * H + j]) : T(0);
      }
      Whr->mul(ex, B, dht, P, T(0), dr.get(), H);
    }
    ex.pool().parallelFor(B, d.rowGrain(), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        const T* a = gates + (t * B + b) * GH;
        T* gx = dGx.get() + (t * B + b) * GH;
        T* gh = dGhp + (t * B + b) * GH;
        if (!active(len, b, t)) {
          std::fill(gx, gx + GH, T(0));
          if (d.gru) std::fill(gh, gh + GH, T(0));
        } else if (d.lstm) {
          const T* drow = d.proj ? dr.get() + b * H : dht + b * P;
          rnn::lstmBackwardRow(H, a, ct + b * H, cprev + b * H, drow, dc + b * H, gx);
        } else if (d.gru) {  // the skip term z dh' lands in `next` after the GEMM below
          rnn::gruBackwardRow(H, a, ct + b * H, hcur + b * P, dht + b * P, gx, gh, direct.get() + b * H);
        } else {
          rnn::rnnBackwardRow(H, d.relu, a, dht + b * P, gx);
        }
      }
    });
    Whh.mul(ex, B, dGhp + t * B * GH, GH, T(0), next, P);
    for (int64_t b = 0; b < B; b++) {
      T* row = next + b * P;
      if (!active(len, b, t)) std::memcpy(row, carry + b * P, P * sizeof(T));
      else if (d.gru)
        for (int64_t j = 0; j < P; j++) row[j] += direct.get()[b * H + j];
    }
    std::swap(carry, next);
  }
  if (carry != dh0) std::memcpy(dh0, carry, B * P * sizeof(T));
  rnn::gemm(ex, false, false, TB, I, GH, dGx.get(), GH, static_cast<const T*>(w.wih), I, T(0), dx, I);
  rnn::gemm(ex, true, false, GH, I, TB, dGx.get(), GH, x, I, T(0), dwih, I);
  rnn::gemm(ex, true, false, GH, P, TB, dGhp, GH, hprev, P, T(0), dwhh, P);
  columnSums(ex, TB, GH, dGx.get(), dbih);
  if (d.gru) columnSums(ex, TB, GH, dGhp, dbhh);
  else std::memcpy(dbhh, dbih, GH * sizeof(T));
  if (d.proj) rnn::gemm(ex, true, false, P, H, TB, dhAll.get(), P, rAll.get(), H, T(0), dwhr, H);
}

}  // namespace

void rnnForward(const Exec& ex, int dtype, const RnnGeom& g, const void* x, const void* h0, const void* c0,
                const RnnWeights& w, const int32_t* lengths, void* y, void* hN, void* cN, void* ws) {
  if (dtype == kF32)
    forwardT<float>(ex, g, (const float*)x, (const float*)h0, (const float*)c0, w, lengths, (float*)y, (float*)hN,
                    (float*)cN, (float*)ws);
  else
    forwardT<double>(ex, g, (const double*)x, (const double*)h0, (const double*)c0, w, lengths, (double*)y,
                     (double*)hN, (double*)cN, (double*)ws);
}

void rnnBackward(const Exec& ex, int dtype, const RnnGeom& g, const void* x, const void*, const void* c0,
                 const RnnWeights& w, const int32_t* lengths, const void* ws, const void* dy, const void* dhN,
                 const void* dcN, void* dx, void* dh0, void* dc0, void* dwih, void* dwhh, void* dbih, void* dbhh,
                 void* dwhr) {
  if (dtype == kF32)
    backwardT<float>(ex, g, (const float*)x, (const float*)c0, w, lengths, (const float*)ws, (const float*)dy,
                     (const float*)dhN, (const float*)dcN, (float*)dx, (float*)dh0, (float*)dc0, (float*)dwih,
                     (float*)dwhh, (float*)dbih, (float*)dbhh, (float*)dwhr);
  else
    backwardT<double>(ex, g, (const double*)x, (const double*)c0, w, lengths, (const double*)ws, (const double*)dy,
                      (const double*)dhN, (const double*)dcN, (double*)dx, (double*)dh0, (double*)dc0, (double*)dwih,
                      (double*)dwhh, (double*)dbih, (double*)dbhh, (double*)dwhr);
}

}  // namespace tf
