#pragma once
#include <cstdint>
#include <vector>

#include "lpa/config/config.h"

namespace lpa {

// Which exits (index l-1) are in the loss at `step` of `total` under loss.curriculum; empty =
// all of them. The deepest exit is always in.
//   rotational: exit l when (l + step) mod P = 0, P = loss.rotation_period (0 = depth/4).
//   gradual:    exit l from step ⌈(N − l) · T / (2(N − 1))⌉ on: deep exits first, exit 1 at T/2.
std::vector<bool> active_exits(const LossSection& loss, int64_t depth, int64_t step, int64_t total);

}  // namespace lpa
