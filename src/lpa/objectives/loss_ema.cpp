#include "lpa/objectives/loss_ema.h"

#include <cmath>
#include <limits>

#include "lpa/errors.h"

namespace lpa {

LossEma::LossEma(int64_t depth, double decay)
    : decay_(decay), ema_(static_cast<size_t>(depth), std::numeric_limits<double>::quiet_NaN()) {}

void LossEma::update(const std::vector<double>& losses) {
  for (size_t l = 0; l < ema_.size() && l < losses.size(); ++l) {
    if (!std::isfinite(losses[l])) continue;
    ema_[l] = std::isnan(ema_[l]) ? losses[l] : decay_ * ema_[l] + (1 - decay_) * losses[l];
  }
}

std::vector<double> LossEma::weights() const {
  // A loss of exactly 0 would make its weight infinite: floor it far below any real loss.
  constexpr double kFloor = 1e-12;
  std::vector<double> w(ema_.size(), 0.0);
  double sum = 0;
  size_t known = 0;
  for (size_t l = 0; l < ema_.size(); ++l) {
    if (std::isnan(ema_[l])) continue;
    w[l] = 1.0 / std::max(ema_[l], kFloor);
    sum += w[l];
    ++known;
  }
  const double fill = known > 0 ? sum / static_cast<double>(known) : 1.0;
  for (size_t l = 0; l < ema_.size(); ++l)
    if (std::isnan(ema_[l])) {
      w[l] = fill;
      sum += fill;
    }
  for (auto& v : w) v /= sum;
  return w;
}

torch::Tensor LossEma::state() const {
  return torch::tensor(ema_, torch::TensorOptions().dtype(torch::kFloat64));
}

void LossEma::load_state(const torch::Tensor& s) {
  if (s.dim() != 1 || s.size(0) != static_cast<int64_t>(ema_.size()))
    throw UserError("adaptive loss weights: the checkpoint holds " + std::to_string(s.numel()) +
                    " loss averages for " + std::to_string(ema_.size()) + " depths");
  auto c = s.to(torch::kCPU, torch::kFloat64).contiguous();
  for (size_t l = 0; l < ema_.size(); ++l) ema_[l] = c[static_cast<int64_t>(l)].item<double>();
}

}  // namespace lpa
