#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace lpa {

// AdaLoss's adaptive depth weights: w_l ∝ 1 / EMA(ℓ_l), the EMA of each depth's training loss
// (detached). Its state is part of the checkpoint so a resumed run weighs exactly as before.
class LossEma {
 public:
  LossEma(int64_t depth, double decay);
  // Folds in one step's per-depth losses (NaN = exit not computed: that depth keeps its EMA).
  // The first finite value of a depth starts its average.
  void update(const std::vector<double>& losses);
  // 1/EMA_l, normalised to sum 1; a depth without any value yet gets the mean of the others.
  std::vector<double> weights() const;

  torch::Tensor state() const;              // [depth] float64, NaN where no value yet
  void load_state(const torch::Tensor& s);  // throws UserError on a size mismatch

 private:
  double decay_;
  std::vector<double> ema_;
};

}  // namespace lpa
