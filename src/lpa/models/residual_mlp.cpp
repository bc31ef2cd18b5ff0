#include "lpa/models/residual_mlp.h"

#include "lpa/errors.h"
#include "lpa/models/activation.h"

namespace lpa {

MlpBlockImpl::MlpBlockImpl(int64_t width, const std::string& act, bool layernorm, double dropout,
                           double init_scale)
    : activation(act) {
  if (layernorm) norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  fc1 = register_module("fc1", torch::nn::Linear(width, width));
  fc2 = register_module("fc2", torch::nn::Linear(width, width));
  if (dropout > 0) drop = register_module("drop", torch::nn::Dropout(dropout));
  torch::NoGradGuard g;
  fc2->weight.mul_(init_scale);
  fc2->bias.mul_(init_scale);
}

torch::Tensor MlpBlockImpl::forward(const torch::Tensor& h) {
  torch::Tensor z = norm ? norm->forward(h) : h;
  z = fc2->forward(apply_activation(activation, fc1->forward(z)));
  if (drop) z = drop->forward(z);
  return h + z;
}

ResidualMlp::ResidualMlp(int64_t in, int64_t out, const ModelSection& c)
    : in_(in), out_(out), width_(c.width), shared_head_(c.head == "shared") {
  if (c.head == "per_stage")
    throw UserError("model.head: per_stage heads exist only for model.type: resnet");
  stem_ = register_module("stem", torch::nn::Linear(in, c.width));
  for (int64_t l = 1; l <= c.depth; ++l)
    blocks_.emplace_back(register_module("block" + std::to_string(l),
                                      MlpBlock(c.width, c.activation, c.norm == "layernorm",
                                               c.dropout, c.init_scale)));
  const int64_t n_heads = shared_head_ ? 1 : c.depth;
  for (int64_t i = 0; i < n_heads; ++i)
    heads_.emplace_back(register_module(shared_head_ ? "head" : "head" + std::to_string(i + 1),
                                     torch::nn::Linear(c.width, out)));
}

torch::Tensor ResidualMlp::stem(const torch::Tensor& x) { return stem_->forward(x.flatten(1)); }

torch::Tensor ResidualMlp::block(int64_t l, const torch::Tensor& h) {
  return blocks_.at(l - 1)->forward(h);
}

torch::Tensor ResidualMlp::head(int64_t l, const torch::Tensor& h) {
  return heads_.at(shared_head_ ? 0 : l - 1)->forward(h);
}

std::vector<torch::Tensor> ResidualMlp::heads(const std::vector<int64_t>& depths,
                                               const std::vector<torch::Tensor>& hs) {
  if (!shared_head_) return DepthwiseModel::heads(depths, hs);
  return stacked_head(hs, [this](const torch::Tensor& h) { return heads_[0]->forward(h); });
}

torch::nn::Module& ResidualMlp::head_module(int64_t l) { return *heads_.at(shared_head_ ? 0 : l - 1); }

double ResidualMlp::flops_per_sample(int64_t d) const {
  const double w = static_cast<double>(width_);
  return 2.0 * in_ * w + d * (2.0 * 2.0 * w * w) + head_flops_per_sample(d);
}

double ResidualMlp::head_flops_per_sample(int64_t) const { return 2.0 * static_cast<double>(width_) * out_; }

ModelPtr make_residual_mlp(const ExperimentConfig& cfg, const DataSpec& spec) {
  int64_t in = 1;
  for (auto s : spec.input_shape) in *= s;
  return std::make_shared<ResidualMlp>(in, spec.output_dim, cfg.model);
}

}  // namespace lpa
