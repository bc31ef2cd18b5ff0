// The seed of one of a run's random streams, as a function of the run's seed, the step and
// which stream: layer dropout's skips (the same on every rank) or a data-parallel rank's
// dropout and augmentation (one stream per rank). Independent of any generator's state, so a
// resumed run draws what the uninterrupted one would have.
#pragma once
#include <cstdint>

namespace lpa {

inline uint64_t stream_seed(int64_t seed, int64_t step, uint64_t stream) {
  uint64_t z = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step) * 0xBF58476D1CE4E5B9ULL +
               stream * 0xD1B54A32D192ED03ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return (z ^ (z >> 31)) >> 1;  // fits int64_t (LibTorch's generators take it signed)
}

// The streams: layer dropout's, then rank r's at kRankStreams + r.
constexpr uint64_t kLayerDropStream = 0;
constexpr uint64_t kRankStreams = 1;

}  // namespace lpa
