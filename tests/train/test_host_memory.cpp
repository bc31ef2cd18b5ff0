// train/host_memory: large blocks a step frees are kept for the next step instead of going back
// to the kernel (each test case runs in a fresh process, so malloc starts at glibc's defaults).
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "catch.h"
#include "lpa/train/host_memory.h"

using namespace lpa;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedAllocator = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizedAllocator = true;
#else
constexpr bool kSanitizedAllocator = false;
#endif
#else
constexpr bool kSanitizedAllocator = false;
#endif

}  // namespace

#if defined(__GLIBC__)
TEST_CASE("host memory: a step's large buffers stay on the heap and are kept after free") {
  ::unsetenv("GLIBC_TUNABLES");
  ::unsetenv("MALLOC_MMAP_THRESHOLD_");
  ::unsetenv("MALLOC_TRIM_THRESHOLD_");
  const std::string said = keep_freed_host_memory();
  if (kSanitizedAllocator) {  // ASan's allocator takes no mallopt: the function must say so
    CHECK(said == "malloc: the allocator refused the thresholds; left as it was");
    return;
  }
  CHECK(said == "malloc: blocks up to 32 MiB from the heap, up to 256 MiB of freed memory kept");
  const size_t n = 24u << 20;  // an activation of a 16 x 256 MLP's LPA step is 16 MiB
  const size_t mapped_before = mallinfo2().hblks;
  auto* p = static_cast<char*>(std::malloc(n));
  REQUIRE(p != nullptr);
  std::memset(p, 1, n);
  asm volatile("" : : "r"(p) : "memory");  // the block is used: the compiler keeps it
  CHECK(mallinfo2().hblks == mapped_before);  // not a fresh mapping from the kernel
  std::free(p);
  CHECK(mallinfo2().fordblks >= n);  // kept free on the heap for the next step, not trimmed
}

TEST_CASE("host memory: malloc settings from the environment are left alone") {
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1048576", 1);
  CHECK(keep_freed_host_memory() == "malloc: as the environment sets it");
  ::unsetenv("GLIBC_TUNABLES");
  ::setenv("MALLOC_MMAP_THRESHOLD_", "65536", 1);
  CHECK(keep_freed_host_memory() == "malloc: as the environment sets it");
  ::unsetenv("MALLOC_MMAP_THRESHOLD_");
  ::setenv("MALLOC_TRIM_THRESHOLD_", "65536", 1);
  CHECK(keep_freed_host_memory() == "malloc: as the environment sets it");
}
#endif
