#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

// w_1..w_N, normalised to sum 1. kind: uniform | linear (∝ l) | sqrt (∝ √l) | inverse (∝ 1/l)
// | sdn (SDN's ramp: internal exits ∝ l/N scaled by progress ∈ [0,1], last exit fixed at 1)
// | list (`explicit_weights`).
std::vector<double> depth_weights(const std::string& kind, int64_t depth,
                                  const std::vector<double>& explicit_weights = {},
                                  double progress = 1.0);

}  // namespace lpa
