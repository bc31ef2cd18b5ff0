// How the C library hands memory back to the system between training steps.
#pragma once
#include <string>

namespace lpa {

// glibc's malloc maps every block above its mmap threshold (128 KiB at start, raised only by
// frees) freshly from the kernel and returns free memory at the top of the heap above its trim
// threshold at once. A training step allocates and frees the same large activation and gradient
// buffers every step, so each step pays page faults and zeroing for them again (the 16 x 256
// MLP's LPA step: 550k page faults in 60 steps, and 1.17x faster without them; docs/perf.md).
// This keeps blocks up to 32 MiB (glibc's own ceiling for the threshold) on the heap and keeps up
// to 256 MiB free there for the next step. Left alone when the environment tunes malloc itself
// (GLIBC_TUNABLES with glibc.malloc.*, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) and where
// the C library is not glibc. Returns what it did, in one line.
std::string keep_freed_host_memory();

}  // namespace lpa
