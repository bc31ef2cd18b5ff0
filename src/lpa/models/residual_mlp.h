// h_0 = W_in x;  h_l = h_{l-1} + W2 act(W1 norm(h_{l-1}));  prediction = head(h_l).
#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

struct MlpBlockImpl : torch::nn::Module {
  MlpBlockImpl(int64_t width, const std::string& activation, bool layernorm, double dropout,
               double init_scale);
  torch::Tensor forward(const torch::Tensor& h);  // returns h + f(h)
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout drop{nullptr};
  std::string activation;
};
TORCH_MODULE(MlpBlock);

class ResidualMlp : public DepthwiseModel {
 public:
  ResidualMlp(int64_t in_features, int64_t out_features, const ModelSection& cfg);

  int64_t depth() const override { return static_cast<int64_t>(blocks_.size()); }
  std::string kind() const override { return "residual_mlp"; }
  torch::Tensor stem(const torch::Tensor& x) override;
  torch::Tensor block(int64_t l, const torch::Tensor& h) override;
  torch::Tensor head(int64_t l, const torch::Tensor& h) override;
  std::vector<torch::Tensor> heads(const std::vector<int64_t>& depths,
                                   const std::vector<torch::Tensor>& hs) override;
  torch::nn::Module& stem_module() override { return *stem_; }
  torch::nn::Module& block_module(int64_t l) override { return *blocks_.at(l - 1); }
  torch::nn::Module& head_module(int64_t l) override;
  double flops_per_sample(int64_t depth) const override;
  double head_flops_per_sample(int64_t depth) const override;

 private:
  int64_t in_, out_, width_;
  bool shared_head_;
  torch::nn::Linear stem_{nullptr};
  std::vector<MlpBlock> blocks_;
  std::vector<torch::nn::Linear> heads_;
};

ModelPtr make_residual_mlp(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
