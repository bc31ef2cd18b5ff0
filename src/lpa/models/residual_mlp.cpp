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

MlpHeadImpl::MlpHeadImpl(int64_t width, int64_t out, int64_t exits, int64_t exit_width, std::string act)
    : activation(std::move(act)) {
  // Initialised as a torch::nn::Linear (same draws), so a model without adapters is the one it
  // was before heads could have them.
  torch::nn::Linear fc(exit_width > 0 ? exit_width : width, out);
  weight = register_parameter("weight", fc->weight);
  bias = register_parameter("bias", fc->bias);
  if (exit_width > 0)
    for (int64_t i = 0; i < exits; ++i)
      exit_fcs.emplace_back(register_module("exit_fc" + std::to_string(i + 1), torch::nn::Linear(width, exit_width)));
}

torch::Tensor MlpHeadImpl::adapt(const torch::Tensor& h, int64_t slot) {
  if (exit_fcs.empty()) return h;
  return apply_activation(activation, exit_fcs.at(slot)->forward(h));
}

torch::Tensor MlpHeadImpl::forward(const torch::Tensor& h, int64_t slot) {
  return torch::nn::functional::linear(adapt(h, slot), weight, bias);
}

ModulePieces MlpHeadImpl::exit_pieces(int64_t slot) {
  ModulePieces out{{"", this}};
  if (!exit_fcs.empty()) out.emplace_back("exit_fc", exit_fcs.at(slot).get());
  return out;
}

ResidualMlp::ResidualMlp(int64_t in, int64_t out, const ModelSection& c)
    : in_(in), out_(out), width_(c.width), exit_width_(c.exit_width), shared_head_(c.head == "shared") {
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
                                        MlpHead(c.width, out, shared_head_ ? c.depth : 1, c.exit_width,
                                                c.activation)));
}

torch::Tensor ResidualMlp::stem(const torch::Tensor& x) { return stem_->forward(x.flatten(1)); }

torch::Tensor ResidualMlp::block(int64_t l, const torch::Tensor& h) {
  return blocks_.at(l - 1)->forward(h);
}

torch::Tensor ResidualMlp::head(int64_t l, const torch::Tensor& h) {
  check_depth(l);
  return head_of(l).forward(h, exit_slot(l));
}

std::vector<torch::Tensor> ResidualMlp::heads(const std::vector<int64_t>& depths,
                                               const std::vector<torch::Tensor>& hs) {
  if (!shared_head_) return DepthwiseModel::heads(depths, hs);
  MlpHeadImpl& head = *heads_[0];
  auto linear = [&head](const torch::Tensor& z) { return torch::nn::functional::linear(z, head.weight, head.bias); };
  if (head.exit_fcs.empty()) return stacked_head(hs, linear);
  bool same_rows = true;
  for (const auto& h : hs) same_rows = same_rows && h.size(0) == hs[0].size(0);
  if (!same_rows || hs.size() == 1) {
    std::vector<torch::Tensor> zs;
    for (size_t i = 0; i < hs.size(); ++i) zs.push_back(head.adapt(hs[i], exit_slot(depths[i])));
    return stacked_head(zs, linear);
  }
  // Every exit's adapter in one batched matrix product, then the shared layer once.
  std::vector<torch::Tensor> ws, bs;
  for (int64_t d : depths) {
    check_depth(d);
    ws.push_back(head.exit_fcs[exit_slot(d)]->weight);
    bs.push_back(head.exit_fcs[exit_slot(d)]->bias);
  }
  torch::Tensor z = torch::baddbmm(torch::stack(bs).unsqueeze(1), torch::stack(hs), torch::stack(ws).transpose(1, 2));
  return linear(apply_activation(head.activation, z)).unbind(0);
}

torch::nn::Module& ResidualMlp::head_module(int64_t l) { return head_of(l); }

std::vector<std::pair<std::string, torch::Tensor>> ResidualMlp::exit_tensors(int64_t l) {
  check_depth(l);
  NamedTensors out;
  append_piece_tensors(out, head_of(l).exit_pieces(exit_slot(l)));
  return out;
}

double ResidualMlp::flops_per_sample(int64_t d) const {
  const double w = static_cast<double>(width_);
  return 2.0 * in_ * w + d * (2.0 * 2.0 * w * w) + head_flops_per_sample(d);
}

double ResidualMlp::head_flops_per_sample(int64_t) const {
  const double w = static_cast<double>(width_), e = static_cast<double>(exit_width_);
  return exit_width_ > 0 ? 2.0 * w * e + 2.0 * e * out_ : 2.0 * w * out_;
}

ModelPtr make_residual_mlp(const ExperimentConfig& cfg, const DataSpec& spec) {
  int64_t in = 1;
  for (auto s : spec.input_shape) in *= s;
  return std::make_shared<ResidualMlp>(in, spec.output_dim, cfg.model);
}

}  // namespace lpa
