#include "lpa/models/depthwise_model.h"

#include <set>

#include "lpa/errors.h"
#include "lpa/models/gradient_scale.h"

namespace lpa {

void DepthwiseModel::check_depth(int64_t d) const {
  if (d < 1 || d > depth())
    throw UserError("depth " + std::to_string(d) + " is out of range 1.." + std::to_string(depth()));
}

std::vector<torch::Tensor> DepthwiseModel::forward_all(const torch::Tensor& x, int64_t max_depth,
                                                       const ForwardOptions& o) {
  check_depth(max_depth);
  std::vector<torch::Tensor> outs(max_depth);
  const bool drop = o.layer_drop > 0.0 && is_training();
  auto computed = [&](int64_t l) { return o.exits.empty() || o.exits[l - 1]; };
  std::vector<int64_t> exits_from(max_depth + 2, 0);  // n_l: computed exits at depth >= l
  for (int64_t l = max_depth; l >= 1; --l) exits_from[l] = exits_from[l + 1] + (computed(l) ? 1 : 0);
  torch::Tensor h = stem(x);
  for (int64_t l = 1; l <= max_depth; ++l) {
    const bool skip = drop && skippable(l) && torch::rand({1}).item<double>() < o.layer_drop * l / depth();
    if (!skip) h = block(l, (o.stop_gradient && l >= 2) ? h.detach() : h);
    if (!computed(l)) continue;
    if (!o.gradient_equilibrium) {
      outs[l - 1] = head(l, h);
      continue;
    }
    const auto n = static_cast<double>(exits_from[l]);
    outs[l - 1] = head(l, scale_gradient(h, 1.0 / n));
    if (l < max_depth) h = scale_gradient(h, (n - 1.0) / n);
  }
  return outs;
}

torch::Tensor DepthwiseModel::forward(const torch::Tensor& x, int64_t d) {
  check_depth(d);
  torch::Tensor h = stem(x);
  for (int64_t l = 1; l <= d; ++l) h = block(l, h);
  return head(d, h);
}

std::vector<torch::Tensor> DepthwiseModel::parameters_at_depth(int64_t d) {
  check_depth(d);
  std::vector<torch::Tensor> out;
  std::set<const void*> seen;
  auto add = [&](torch::nn::Module& m) {
    for (const auto& p : m.parameters())
      if (seen.insert(p.unsafeGetTensorImpl()).second) out.push_back(p);
  };
  add(stem_module());
  for (int64_t l = 1; l <= d; ++l) add(block_module(l));
  add(head_module(d));
  return out;
}

int64_t DepthwiseModel::params_at_depth(int64_t d) {
  int64_t n = 0;
  for (const auto& p : parameters_at_depth(d)) n += p.numel();
  return n;
}

}  // namespace lpa
