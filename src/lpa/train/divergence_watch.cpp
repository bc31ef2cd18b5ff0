#include "lpa/train/divergence_watch.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace lpa {
namespace {

std::vector<double> values_of(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU, torch::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

}  // namespace

void DivergenceWatch::record(int64_t step, double lr, const torch::Tensor& loss, const torch::Tensor& per_depth,
                             const std::vector<int64_t>& exits, const torch::Tensor& exit_losses) {
  steps_.push_back({step, lr, loss.detach(), per_depth, exit_losses, exits});
}

std::optional<Divergence> DivergenceWatch::check() {
  if (steps_.empty()) return std::nullopt;
  std::vector<Step> steps;
  steps.swap(steps_);
  std::vector<torch::Tensor> losses;
  losses.reserve(steps.size());
  for (const auto& s : steps) losses.push_back(s.loss.reshape({1}).to(torch::kFloat));
  // One read: how many leading steps were finite.
  const auto finite = torch::cat(losses).isfinite();
  const int64_t good = finite.to(torch::kLong).cumprod(0).sum().item<int64_t>();
  if (good == static_cast<int64_t>(steps.size())) return std::nullopt;
  const Step& bad = steps[static_cast<size_t>(good)];
  Divergence d;
  d.step = bad.step;
  d.lr = bad.lr;
  d.loss = bad.loss.to(torch::kCPU, torch::kDouble).item<double>();
  d.per_depth.assign(static_cast<size_t>(depth_), std::numeric_limits<double>::quiet_NaN());
  if (bad.per_depth.defined()) {
    // A step that logs computes every exit it can (sequential: none past its stage, left NaN).
    d.per_depth = values_of(bad.per_depth);
    for (int64_t l = 0; l < depth_; ++l) d.depths.push_back(l + 1);
  } else if (bad.exit_losses.defined()) {
    const std::vector<double> computed = values_of(bad.exit_losses);
    for (size_t i = 0; i < bad.exits.size(); ++i) {
      d.per_depth[static_cast<size_t>(bad.exits[i])] = computed[i];
      d.depths.push_back(bad.exits[i] + 1);
    }
  }
  return d;
}

std::string divergence_message(const Divergence& d) {
  std::ostringstream m;
  m << "loss is " << d.loss << " at step " << d.step;
  size_t bad = d.depths.size();
  for (size_t i = 0; i < d.depths.size() && bad == d.depths.size(); ++i)
    if (!std::isfinite(d.per_depth[static_cast<size_t>(d.depths[i] - 1)])) bad = i;
  const bool contiguous = !d.depths.empty() && d.depths.back() == static_cast<int64_t>(d.depths.size());
  if (bad < d.depths.size()) {
    const int64_t l = d.depths[bad];
    m << ", first at depth " << l;
    if (!contiguous) {
      m << " of the exits that step computed (";
      for (size_t i = 0; i < d.depths.size(); ++i) m << (i ? ", " : "") << d.depths[i];
      m << ")";
    } else if (l == 2) {
      m << " (depth 1 finite)";
    } else if (l > 2) {
      m << " (depths 1.." << l - 1 << " finite)";
    }
  } else if (!d.depths.empty()) {
    m << " though every depth's own loss is finite (their weighted sum is not)";
  }
  m << ": training diverged (lower train.lr, or set train.grad_clip)";
  return m.str();
}

}  // namespace lpa
