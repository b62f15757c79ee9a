// Which microkernels run: the CPU's own features (cpuid + OS register state, via
// __builtin_cpu_supports), capped by TAPEFLOW_GEMM_ISA; never OpenBLAS's settings.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "gemm.h"
#include "kernels.h"

namespace tf {
namespace gemm {

namespace {

Isa cpuIsa() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // the AVX-512 unit is compiled with F/VL/DQ/BW (every AVX-512 core since Skylake-X has them)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma"))
    return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#endif
  return Isa::kScalar;
}

Isa computeBest() {
  Isa isa = cpuIsa();
  if (const char* cap = std::getenv("TAPEFLOW_GEMM_ISA")) {
    Isa want = isa;
    if (!std::strcmp(cap, "scalar")) want = Isa::kScalar;
    else if (!std::strcmp(cap, "avx2")) want = Isa::kAvx2;
    else if (!std::strcmp(cap, "avx512")) want = Isa::kAvx512;
    if ((int)want < (int)isa) isa = want;
  }
  return isa;
}

std::atomic<int>& active() {
  static std::atomic<int> a{(int)bestIsa()};
  return a;
}

}  // namespace

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Emu: return "avx512emu";
    default: return "scalar";
  }
}

Isa bestIsa() {
  static const Isa best = computeBest();
  return best;
}

Isa activeIsa() { return (Isa)active().load(std::memory_order_relaxed); }

Isa setActiveIsa(Isa isa) {
  const Isa cpu = cpuIsa();
  if (isa == Isa::kAvx512Emu) isa = cpu == Isa::kScalar ? cpu : isa;
  else if ((int)isa > (int)cpu) isa = cpu;
  active().store((int)isa, std::memory_order_relaxed);
  return isa;
}

namespace {
std::atomic<bool> gRoute{true};
}
bool matmulRoute() { return gRoute.load(std::memory_order_relaxed); }
void setMatmulRoute(bool on) { gRoute.store(on, std::memory_order_relaxed); }

const KernelSet& kernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return avx512Kernels();
    case Isa::kAvx2: return avx2Kernels();
    case Isa::kAvx512Emu: return avx512EmuKernels();
    default: return scalarKernels();
  }
}

}  // namespace gemm
}  // namespace tf
