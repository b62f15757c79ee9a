// The fused pointwise passes of the recurrent kernels (cpu/rnn.cc): one batch row of one step,
// forward (pre-activations in, activations saved in place) and backward (the gradients of the
// pre-activations). Branch-free float32 exp/tanh (elementwise_math.h) so GCC vectorises each loop.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "elementwise_math.h"

namespace tf::rnn {

template <typename T>
TF_EW_INLINE T sigm(T x) {  // 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below: exp never overflows
  T e;
  if constexpr (std::is_same<T, float>::value) e = ew::expf_v(-std::fabs(x));
  else e = std::exp(-std::fabs(x));
  const T r = T(1) / (T(1) + e);
  return ew::select(x >= T(0), r, e * r);
}
template <typename T>
TF_EW_INLINE T tanhT(T x) {
  if constexpr (std::is_same<T, float>::value) return ew::tanhf_v(x);
  else return std::tanh(x);
}

// LSTM (torch's gate order i, f, g, o): g holds the 4H pre-activations; writes the activations
// back into g, c = f c' + i g, and out = o tanh(c).
template <typename T>
inline void lstmForwardRow(int64_t H, T* __restrict g, const T* __restrict cprev, T* __restrict c, T* __restrict out) {
  for (int64_t j = 0; j < H; j++) {
    const T i = sigm(g[j]), f = sigm(g[H + j]);
    const T gg = tanhT(g[2 * H + j]), o = sigm(g[3 * H + j]);
    g[j] = i;
    g[H + j] = f;
    g[2 * H + j] = gg;
    g[3 * H + j] = o;
    const T cv = f * cprev[j] + i * gg;
    c[j] = cv;
    out[j] = o * tanhT(cv);
  }
}

// Given dr = dL/d(o tanh c) and the cell gradient carried from the next step (dc, updated to
// dL/dc' in place): the gradients of the four pre-activations.
template <typename T>
inline void lstmBackwardRow(int64_t H, const T* __restrict a, const T* __restrict c, const T* __restrict cprev,
                            const T* __restrict dr, T* __restrict dc, T* __restrict dg) {
  for (int64_t j = 0; j < H; j++) {
    const T i = a[j], f = a[H + j], gg = a[2 * H + j], o = a[3 * H + j];
    const T tc = tanhT(c[j]);
    const T dct = dc[j] + dr[j] * o * (T(1) - tc * tc);
    dg[j] = dct * gg * i * (T(1) - i);
    dg[H + j] = dct * cprev[j] * f * (T(1) - f);
    dg[2 * H + j] = dct * i * (T(1) - gg * gg);
    dg[3 * H + j] = dr[j] * tc * o * (T(1) - o);
    dc[j] = dct * f;
  }
}

// GRU (r, z, n): g holds x W_ih^T + b_ih (+ b_hr, b_hz), hh = h W_hh^T; n = tanh(x_n + r (hh_n + b_hn)),
// h' = (1 - z) n + z h. Saves r, z, n in g and hh_n + b_hn in hn.
template <typename T>
inline void gruForwardRow(int64_t H, T* __restrict g, const T* __restrict hh, const T* __restrict bhn,
                          const T* __restrict h, T* __restrict hn, T* __restrict out) {
  for (int64_t j = 0; j < H; j++) {
    const T r = sigm(g[j] + hh[j]), z = sigm(g[H + j] + hh[H + j]);
    const T hv = hh[2 * H + j] + bhn[j];
    const T n = tanhT(g[2 * H + j] + r * hv);
    g[j] = r;
    g[H + j] = z;
    g[2 * H + j] = n;
    hn[j] = hv;
    out[j] = (T(1) - z) * n + z * h[j];
  }
}

// dgx: gradients of the input-side pre-activations, dgh of the hidden-side ones (they differ in
// n: d(hh_n) = r dn); direct: the part of dL/dh that skips W_hh (z dh').
template <typename T>
inline void gruBackwardRow(int64_t H, const T* __restrict a, const T* __restrict hn, const T* __restrict h,
                           const T* __restrict dh, T* __restrict dgx, T* __restrict dgh, T* __restrict direct) {
  for (int64_t j = 0; j < H; j++) {
    const T r = a[j], z = a[H + j], n = a[2 * H + j];
    const T dn = dh[j] * (T(1) - z) * (T(1) - n * n);
    const T dr = dn * hn[j] * r * (T(1) - r);
    const T dz = dh[j] * (h[j] - n) * z * (T(1) - z);
    dgx[j] = dr;
    dgh[j] = dr;
    dgx[H + j] = dz;
    dgh[H + j] = dz;
    dgx[2 * H + j] = dn;
    dgh[2 * H + j] = dn * r;
    direct[j] = dh[j] * z;
  }
}

// Elman RNN: h' = tanh or relu of the pre-activation in g; h' saved in g. relu keeps NaN (torch).
template <typename T>
inline void rnnForwardRow(int64_t H, bool relu, T* __restrict g, T* __restrict out) {
  if (relu)
    for (int64_t j = 0; j < H; j++) g[j] = out[j] = g[j] < T(0) ? T(0) : g[j];
  else
    for (int64_t j = 0; j < H; j++) g[j] = out[j] = tanhT(g[j]);
}

template <typename T>
inline void rnnBackwardRow(int64_t H, bool relu, const T* __restrict a, const T* __restrict dh, T* __restrict dg) {
  if (relu)
    for (int64_t j = 0; j < H; j++) dg[j] = a[j] > T(0) ? dh[j] : T(0);
  else
    for (int64_t j = 0; j < H; j++) dg[j] = dh[j] * (T(1) - a[j] * a[j]);
}

}  // namespace tf::rnn
