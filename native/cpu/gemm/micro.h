// The register-tiled microkernel, one template for every ISA: `T` wraps one vector type
// (T::V of T::W floats) and the ISA unit includes this after its `#pragma GCC target`, so the
// same code becomes AVX-512, AVX2 or scalar machine code. Included by isa_*.cc only; it uses
// no standard library templates (which would be emitted for the unit's ISA and could be
// shared by the linker with code that runs on any CPU).
#pragma once
#include "kernels.h"

namespace tf {
namespace gemm {
namespace {

template <class T, int R, int NV>
void microTile(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c, int64_t ldc,
               float alpha, float beta, int nLast) {
  using V = typename T::V;
  constexpr int MR = T::MR, NR = T::NV * T::W, W = T::W;
  V acc[R][NV];
#pragma GCC unroll 64
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[r][v] = T::zero();
  for (int64_t k = 0; k < kc; k++) {
    V bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) bv[v] = T::load(b + v * W);
#pragma GCC unroll 64
    for (int r = 0; r < R; r++) {
      const V av = T::bcast(a + r);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[r][v] = T::fma(av, bv[v], acc[r][v]);
    }
    a += MR;
    b += NR;
  }
  const V va = T::set1(alpha), vb = T::set1(beta);
#pragma GCC unroll 64
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) {
      V x = T::mul(acc[r][v], va);
      if (v < NV - 1 || nLast == W) {
        if (beta != 0.0f) x = T::fma(vb, T::load(cr + v * W), x);
        T::store(cr + v * W, x);
      } else {
        if (beta != 0.0f) x = T::fma(vb, T::loadN(cr + v * W, nLast), x);
        T::storeN(cr + v * W, x, nLast);
      }
    }
  }
}

// microTile with B rows read in place: row k at b + off[k] (see ConvMicro in kernels.h).
template <class T, int R, int NV>
void convTile(int64_t kc, const float* __restrict a, const float* __restrict b, const int32_t* __restrict off,
              float* __restrict c, int64_t ldc, float beta, int nLast) {
  using V = typename T::V;
  constexpr int MR = T::MR, W = T::W;
  V acc[R][NV];
#pragma GCC unroll 64
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[r][v] = T::zero();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const float* bk = b + off[k];
    V bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) bv[v] = T::load(bk + v * W);
#pragma GCC unroll 64
    for (int r = 0; r < R; r++) {
      const V av = T::bcast(a + r);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[r][v] = T::fma(av, bv[v], acc[r][v]);
    }
    a += MR;
  }
  const V vb = T::set1(beta);
#pragma GCC unroll 64
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) {
      V x = acc[r][v];
      if (v < NV - 1 || nLast == W) {
        if (beta != 0.0f) x = T::fma(vb, T::load(cr + v * W), x);
        T::store(cr + v * W, x);
      } else {
        if (beta != 0.0f) x = T::fma(vb, T::loadN(cr + v * W, nLast), x);
        T::storeN(cr + v * W, x, nLast);
      }
    }
  }
}

// microTile with A element (r, k) read at rows[r] + off[k] (see ConvMicroT in kernels.h).
template <class T, int R, int NV>
void convTileT(int64_t kc, const float* const* rows, const int32_t* __restrict off, const float* __restrict b,
               float* __restrict c, int64_t ldc, float beta, int nLast) {
  using V = typename T::V;
  constexpr int NR = T::NV * T::W, W = T::W;
  const float* p[R];
#pragma GCC unroll 64
  for (int r = 0; r < R; r++) p[r] = rows[r];
  V acc[R][NV];
#pragma GCC unroll 64
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[r][v] = T::zero();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const int64_t o = off[k];
    V bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) bv[v] = T::load(b + v * W);
#pragma GCC unroll 64
    for (int r = 0; r < R; r++) {
      const V av = T::bcast(p[r] + o);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[r][v] = T::fma(av, bv[v], acc[r][v]);
    }
    b += NR;
  }
  const V vb = T::set1(beta);
#pragma GCC unroll 64
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) {
      V x = acc[r][v];
      if (v < NV - 1 || nLast == W) {
        if (beta != 0.0f) x = T::fma(vb, T::load(cr + v * W), x);
        T::store(cr + v * W, x);
      } else {
        if (beta != 0.0f) x = T::fma(vb, T::loadN(cr + v * W, nLast), x);
        T::storeN(cr + v * W, x, nLast);
      }
    }
  }
}

// Fills ks.micro[R-1][NV-1] for R in 1..T::MR, NV in 1..T::NV (recursive instantiation).
template <class T, int R, int NV>
struct Fill {
  static constexpr void run(KernelSet& ks) {
    ks.micro[R - 1][NV - 1] = &microTile<T, R, NV>;
    ks.conv[R - 1][NV - 1] = &convTile<T, R, NV>;
    ks.convT[R - 1][NV - 1] = &convTileT<T, R, NV>;
    if constexpr (NV > 1) Fill<T, R, NV - 1>::run(ks);
    else if constexpr (R > 1) Fill<T, R - 1, T::NV>::run(ks);
  }
};

// constexpr, so each unit's table is constant-initialized: no code of that unit's ISA runs
// before the driver has checked that the CPU has it.
template <class T>
constexpr KernelSet makeKernelSet(const char* name, int kc, int mc, int nc) {
  KernelSet ks{};
  ks.name = name;
  ks.mr = T::MR;
  ks.nr = T::NV * T::W;
  ks.w = T::W;
  ks.kc = kc;
  ks.mc = mc;
  ks.nc = nc;
  Fill<T, T::MR, T::NV>::run(ks);
  return ks;
}

}  // namespace
}  // namespace gemm
}  // namespace tf
