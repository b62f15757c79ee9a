#include "allocator.h"

#include <cstdlib>
#include <string>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "error.h"

namespace tf {

namespace {
// 4 classes per power of two keeps the waste of rounding under 25%.
constexpr int kSubBits = 2;
constexpr int kNumClasses = 64 << kSubBits;
}

size_t CachingAllocator::roundSize(size_t bytes, int* cls) {
  if (bytes <= kAlign) { *cls = 0; return kAlign; }
  int msb = 63 - __builtin_clzll((unsigned long long)(bytes - 1));  // bytes-1 has top bit msb
  if (msb < kSubBits + 6) {                                         // small: multiples of 64
    size_t r = (bytes + kAlign - 1) & ~(kAlign - 1);
    *cls = (int)(r / kAlign);
    return r;
  }
  size_t step = size_t(1) << (msb - kSubBits);
  size_t r = (bytes + step - 1) & ~(step - 1);
  int sub = (int)(((r - 1) >> (msb - kSubBits)) & ((1 << kSubBits) - 1));
  *cls = ((msb + 1) << kSubBits) + sub;  // disjoint from the small range (< 2^(kSubBits+6)/64 + ...)
  return r;
}

CachingAllocator::CachingAllocator() : free_(kNumClasses + 512) {
  long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
  physBytes_ = (pages > 0 && psz > 0) ? (size_t)pages * (size_t)psz : (size_t)1 << 40;
  // Under an address-space limit (ulimit -v) the limit is what runs out first: cached
  // blocks count against it just as live ones do, and OpenBLAS and V8 allocate from it too.
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (size_t)rl.rlim_cur < physBytes_)
    physBytes_ = (size_t)rl.rlim_cur;
  maxCached_ = physBytes_ / 4;
  if (const char* env = std::getenv("TAPEFLOW_CACHE_BYTES")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end && end != env) maxCached_ = (size_t)v;
  }
}

CachingAllocator::~CachingAllocator() { emptyCache(); }

void CachingAllocator::setMaxCachedBytes(size_t b) {
  maxCached_ = b;
  if (cachedBytes_ > maxCached_) emptyCache();
}

void* CachingAllocator::allocate(size_t bytes, size_t* capacity) {
  if (bytes > physBytes_) {
    // Hopeless, but a caller that hits this is usually short of memory: what we cache
    // would otherwise stay out of reach of OpenBLAS's buffers and V8's ArrayBuffers.
    emptyCache();
    fail("ERR_OUT_OF_MEMORY", "cannot allocate " + std::to_string(bytes) + " bytes: more than the " +
                                  std::to_string(physBytes_) + " bytes of memory this process may use");
  }
  int cls;
  size_t cap = roundSize(bytes, &cls);
  if (cls < (int)free_.size() && !free_[cls].empty()) {
    void* p = free_[cls].back();
    free_[cls].pop_back();
    cachedBytes_ -= cap;
    cachedBlocks_--;
    hits_++;
    *capacity = cap;
    return p;
  }
  misses_++;
  void* p = nullptr;
  size_t align = cap >= (size_t(4) << 20) ? (size_t(2) << 20) : kAlign;
  if (posix_memalign(&p, align, cap) != 0 || !p) {
    // Give cached blocks back to the system and try once more. Left empty on failure too,
    // so the process keeps working after the error (the next GEMM's OpenBLAS buffer, the
    // next dataSync's ArrayBuffer).
    emptyCache();
    p = nullptr;
    if (posix_memalign(&p, align, cap) != 0 || !p)
      fail("ERR_OUT_OF_MEMORY", "cannot allocate " + std::to_string(bytes) + " bytes");
  }
#ifdef MADV_HUGEPAGE
  // Big buffers on huge pages fault 512x less often on first touch.
  if (align > kAlign) madvise(p, cap, MADV_HUGEPAGE);
#endif
  *capacity = cap;
  return p;
}

void CachingAllocator::release(void* p, size_t capacity) {
  if (!p) return;
  int cls;
  size_t cap = roundSize(capacity, &cls);
  if (cap == capacity && cls < (int)free_.size() && cachedBytes_ + cap <= maxCached_) {
    try {
      free_[cls].push_back(p);  // runs in GC finalizers: a failed push must not throw
    } catch (...) {
      std::free(p);
      return;
    }
    cachedBytes_ += cap;
    cachedBlocks_++;
    return;
  }
  std::free(p);
}

void CachingAllocator::emptyCache() {
  for (auto& list : free_) {
    for (void* p : list) std::free(p);
    list.clear();
  }
  cachedBytes_ = 0;
  cachedBlocks_ = 0;
}

}  // namespace tf
