#include "lpa/train/host_memory.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace lpa {

namespace {
constexpr int kMmapThreshold = 32 << 20;
constexpr int kTrimThreshold = 256 << 20;

bool environment_tunes_malloc() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) ||
         std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr;
}
}  // namespace

std::string keep_freed_host_memory() {
#if defined(__GLIBC__)
  if (environment_tunes_malloc()) return "malloc: as the environment sets it";
  if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) != 1 || mallopt(M_TRIM_THRESHOLD, kTrimThreshold) != 1)
    return "malloc: the allocator refused the thresholds; left as it was";
  return "malloc: blocks up to 32 MiB from the heap, up to 256 MiB of freed memory kept";
#else
  return "malloc: not glibc; left as it is";
#endif
}

}  // namespace lpa
