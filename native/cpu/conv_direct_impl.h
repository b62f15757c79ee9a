// Internals shared by the direct float32 convolution kernels (conv_direct.cc, conv_direct_dw.cc).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "../core/exec.h"

#include "../backend/conv.h"
#include "conv_im2col.h"

namespace tf {
namespace direct {

// A correlation per (sample, group):
//   out[o][r][s] (+)= sum over (c, ki, kj) of A(o, (c, ki, kj)) * pad[c][r*sh + ki*dh][s*sw + kj*dw]
// where pad is the input plane shifted by (ph, pw) and zero outside it.
struct Corr {
  int64_t N, G, Ci, Hi, Wi;  // input plane (n, gi, c) at in + ((n*G + gi)*Ci + c)*Hi*Wi
  int64_t Co, OH, OW;        // output plane (n, gi, o) at out + ((n*G + gi)*Co + o)*OH*OW
  int64_t KH, KW, dh, dw, ph, pw, sh, sw;
  // the padded plane: every row and column some output pixel reads
  int64_t Hp() const { return (OH - 1) * sh + (KH - 1) * dh + 1; }
  int64_t Wp() const { return (OW - 1) * sw + (KW - 1) * dw + 1; }
  int64_t K() const { return Ci * KH * KW; }
};

// forward: x[n, gi] under w[gi]; input gradient: gy[n, gi] under the flipped, transposed weights
inline Corr forwardCorr(const ConvGeom& g) {
  return {g.N, g.G, g.C / g.G, g.H, g.W, g.O / g.G, g.OH, g.OW, g.KH, g.KW, g.dh, g.dw, g.ph, g.pw, g.sh, g.sw};
}
inline Corr inputCorr(const ConvGeom& g) {
  return {g.N, g.G, g.O / g.G, g.OH, g.OW, g.C / g.G, g.H, g.W, g.KH, g.KW, g.dh, g.dw, (g.KH - 1) * g.dh - g.ph,
          (g.KW - 1) * g.dw - g.pw, 1, 1};
}

constexpr int64_t kSlack = 64;  // floats past a padded image that a tail tile may load (>= any nr)
inline int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }
inline int64_t roundUp(int64_t n, int64_t m) { return (n + m - 1) / m * m; }
inline int64_t padFloats(const Corr& c) { return round16(c.Ci * c.Hp() * c.Wp() + kSlack); }

inline int64_t blockSize(int64_t n, int64_t most, int64_t align) {
  const int64_t blocks = (n + most - 1) / most;
  const int64_t b = (n + blocks - 1) / blocks;
  return (b + align - 1) / align * align;
}

// Planes [c0, c1) of `in` shifted by (ph, pw) into Hp x Wp planes of p, zero elsewhere.
inline void padPlanes(const Corr& c, const float* in, float* p, int64_t c0, int64_t c1) {
  const int64_t Hp = c.Hp(), Wp = c.Wp();
  const int64_t lo = std::clamp<int64_t>(c.pw, 0, Wp), hi = std::clamp<int64_t>(c.Wi + c.pw, lo, Wp);
  for (int64_t ci = c0; ci < c1; ci++) {
    for (int64_t r = 0; r < Hp; r++) {
      float* d = p + (ci * Hp + r) * Wp;
      const int64_t sr = r - c.ph;
      if (sr < 0 || sr >= c.Hi) {
        zeroRow(d, Wp);
        continue;
      }
      zeroRow(d, lo);
      copyRow(d + lo, in + (ci * c.Hi + sr) * c.Wi + (lo - c.pw), hi - lo);
      zeroRow(d + hi, Wp - hi);
    }
  }
}

// The Ci planes of `in` padded (padPlanes), then kSlack zeros.
inline void padImage(const Corr& c, const float* in, float* p) {
  padPlanes(c, in, p, 0, c.Ci);
  zeroRow(p + c.Ci * c.Hp() * c.Wp(), kSlack);
}

// Pads the n images of `in` (c.Ci planes each) into pads, padFloats(c) apart (padImage), over the
// pool: by images, or by chunks of planes when there are fewer images than threads (batch 1: no
// serial step). Returns whether every input value was finite (finite(plane, count) per chunk).
template <typename Finite>
bool padImages(const Exec& ex, const Corr& c, int64_t n, const float* in, float* pads, Finite&& finite) {
  const int64_t T = std::max(1, ex.pool().numThreads()), HW = c.Hi * c.Wi, padN = padFloats(c);
  const int64_t chunks = n >= T ? 1 : std::min<int64_t>(c.Ci, 4 * T);
  std::vector<char> ok((size_t)(n * chunks), 1);
  ex.pool().parallelFor(n * chunks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; u++) {
      const int64_t img = u / chunks, c0 = u % chunks * c.Ci / chunks, c1 = (u % chunks + 1) * c.Ci / chunks;
      const float* plane = in + img * c.Ci * HW;
      float* pad = pads + img * padN;
      padPlanes(c, plane, pad, c0, c1);
      if (c1 == c.Ci) zeroRow(pad + c.Ci * c.Hp() * c.Wp(), kSlack);
      ok[(size_t)u] = finite(plane + c0 * HW, (c1 - c0) * HW);
    }
  });
  return std::find(ok.begin(), ok.end(), 0) == ok.end();
}

// Runs work(part, item) for every item in [0, items) on up to `parts` pool parts, the items
// claimed one at a time: a part whose core is busy elsewhere does not hold the others up. Each
// part runs on one thread at a time (a part's scratch is its own).
template <typename F>
void claimItems(const Exec& ex, int64_t parts, int64_t items, F&& work) {
  parts = std::min(parts, items);
  if (parts <= 1) {
    for (int64_t it = 0; it < items; it++) work(int64_t(0), it);
    return;
  }
  std::atomic<int64_t> next{0};
  ex.pool().parallelFor(parts, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; p++)
      for (int64_t it = next.fetch_add(1, std::memory_order_relaxed); it < items;
           it = next.fetch_add(1, std::memory_order_relaxed))
        work(p, it);
  });
}

}  // namespace direct
}  // namespace tf
