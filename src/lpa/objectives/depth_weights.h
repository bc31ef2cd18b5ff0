#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

// w_1..w_N, normalised to sum 1. kind: uniform | linear (∝ l) | sqrt (∝ √l) | inverse (∝ 1/l)
// | sdn (SDN's ramp: internal exits ∝ l/N scaled by progress ∈ [0,1], last exit fixed at 1)
// | list (`explicit_weights`). `adaptive` is not a fixed shape: see LossEma.
std::vector<double> depth_weights(const std::string& kind, int64_t depth,
                                  const std::vector<double>& explicit_weights = {},
                                  double progress = 1.0);

// Final-exit emphasis and the auxiliary ramp on normalised weights w (docs/method.md), the
// result normalised again: final_weight > 0 sets w_N = final_weight · Σ_{l<N} w_l; aux_ramp > 0
// then scales every w_l, l < N, by clamp(progress / aux_ramp, 0.01, 1).
std::vector<double> shape_depth_weights(std::vector<double> w, double final_weight, double aux_ramp,
                                        double progress);

}  // namespace lpa
