#include "lpa/models/depthwise_model.h"

#include <set>

#include "lpa/errors.h"

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
  torch::Tensor h = stem(x);
  for (int64_t l = 1; l <= max_depth; ++l) {
    const bool skip = drop && skippable(l) && torch::rand({1}).item<double>() < o.layer_drop * l / depth();
    if (!skip) h = block(l, (o.stop_gradient && l >= 2) ? h.detach() : h);
    if (o.exits.empty() || o.exits[l - 1]) outs[l - 1] = head(l, h);
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
