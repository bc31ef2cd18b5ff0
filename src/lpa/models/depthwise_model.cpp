#include "lpa/models/depthwise_model.h"

#include <cmath>
#include <set>

#include "lpa/errors.h"
#include "lpa/models/gradient_scale.h"
#include "lpa/models/named_tensors.h"

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
  std::vector<int64_t> depths;
  std::vector<torch::Tensor> hs;  // what each computed exit's head reads
  // One uniform draw per block, made on the host: deciding a skip never waits for a device.
  std::vector<double> u;
  if (drop) {
    const torch::Tensor r = o.layer_drop_seed >= 0
                                ? torch::rand({max_depth}, at::make_generator<at::CPUGeneratorImpl>(o.layer_drop_seed),
                                              torch::TensorOptions().dtype(torch::kDouble))
                                : torch::rand({max_depth}, torch::TensorOptions().dtype(torch::kDouble));
    u.assign(r.data_ptr<double>(), r.data_ptr<double>() + max_depth);
  }
  torch::Tensor h = stem(x);
  for (int64_t l = 1; l <= max_depth; ++l) {
    const bool skip = drop && skippable(l) && u[l - 1] < layer_drop_rate(o, l, depth());
    if (!skip) {
      const torch::Tensor in = (o.stop_gradient && l >= 2) ? h.detach() : h;
      h = o.run_block ? o.run_block(l, in) : block(l, in);
    }
    if (!computed(l)) continue;
    depths.push_back(l);
    torch::Tensor read = h;  // what head l reads
    if (o.gradient_equilibrium) {
      const auto n = static_cast<double>(exits_from[l]);
      read = scale_gradient(h, 1.0 / n);
      if (l < max_depth) h = scale_gradient(h, (n - 1.0) / n);
    }
    if (o.head_gradient_scales.defined()) read = scale_gradient_deferred(read, o.head_gradient_scales, l - 1);
    hs.push_back(read);
  }
  std::vector<torch::Tensor> predictions = heads(depths, hs);
  for (size_t i = 0; i < depths.size(); ++i) {
    torch::Tensor p = as_float32(std::move(predictions[i]));
    if (o.head_gradient_scales.defined()) p = scale_gradient_deferred(p, o.head_gradient_scales, depths[i] - 1, true);
    outs[depths[i] - 1] = std::move(p);
  }
  return outs;
}

double layer_drop_rate(const ForwardOptions& o, int64_t l, int64_t depth) {
  if (!o.layer_drop_exponential) return o.layer_drop * static_cast<double>(l) / static_cast<double>(depth);
  if (depth == 1) return o.layer_drop;
  return o.layer_drop * (std::pow(2.0, static_cast<double>(l - 1) / static_cast<double>(depth - 1)) - 1.0);
}

torch::Tensor as_float32(torch::Tensor t) {
  const auto type = t.scalar_type();
  return type == torch::kHalf || type == torch::kBFloat16 ? t.to(torch::kFloat) : t;
}

std::vector<torch::Tensor> DepthwiseModel::heads(const std::vector<int64_t>& depths,
                                                 const std::vector<torch::Tensor>& hs) {
  std::vector<torch::Tensor> out;
  out.reserve(depths.size());
  for (size_t i = 0; i < depths.size(); ++i) out.push_back(head(depths[i], hs[i]));
  return out;
}

std::vector<torch::Tensor> stacked_head(const std::vector<torch::Tensor>& hs,
                                        const std::function<torch::Tensor(const torch::Tensor&)>& head) {
  if (hs.size() == 1) return {head(hs[0])};
  std::vector<int64_t> sizes;
  sizes.reserve(hs.size());
  for (const auto& h : hs) sizes.push_back(h.size(0));
  return head(torch::cat(hs)).split_with_sizes(sizes);
}

torch::Tensor DepthwiseModel::forward(const torch::Tensor& x, int64_t d) {
  check_depth(d);
  torch::Tensor h = stem(x);
  for (int64_t l = 1; l <= d; ++l) h = block(l, h);
  return as_float32(head(d, h));
}

std::vector<std::pair<std::string, torch::Tensor>> DepthwiseModel::exit_tensors(int64_t l) {
  check_depth(l);
  NamedTensors out;
  append_named_tensors(out, head_module(l));
  return out;
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
  // Of the head, only what exit d reads (exit_tensors lists its buffers too).
  std::set<const void*> head_parameters;
  for (const auto& p : head_module(d).parameters()) head_parameters.insert(p.unsafeGetTensorImpl());
  for (const auto& [name, t] : exit_tensors(d))
    if (head_parameters.count(t.unsafeGetTensorImpl()) && seen.insert(t.unsafeGetTensorImpl()).second)
      out.push_back(t);
  return out;
}

int64_t DepthwiseModel::params_at_depth(int64_t d) {
  int64_t n = 0;
  for (const auto& p : parameters_at_depth(d)) n += p.numel();
  return n;
}

}  // namespace lpa
