// h_0 = W_in x;  h_l = h_{l-1} + W2 act(W1 norm(h_{l-1}));  prediction = head(h_l).
// With model.exit_width > 0 every exit first applies its own adapter: head(act(A_l h_l + a_l)).
#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"
#include "lpa/models/named_tensors.h"

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

// A linear head over the exits it serves. Its weight and bias are its own parameters (named as
// a plain Linear's, so checkpoints without adapters read as before); with exit_width > 0 each
// exit it serves has an adapter exit_fc<slot+1>, act(linear(h)) to exit_width features, and the
// linear layer reads those.
struct MlpHeadImpl : torch::nn::Module {
  MlpHeadImpl(int64_t width, int64_t out, int64_t exits, int64_t exit_width, std::string activation);
  torch::Tensor forward(const torch::Tensor& h, int64_t slot);
  torch::Tensor adapt(const torch::Tensor& h, int64_t slot);  // h itself without adapters
  // What exit `slot` reads, named as an exit of its own (models/named_tensors.h): "" (this
  // module's weight and bias) and, with adapters, "exit_fc".
  ModulePieces exit_pieces(int64_t slot);
  torch::Tensor weight, bias;
  std::vector<torch::nn::Linear> exit_fcs;
  std::string activation;
};
TORCH_MODULE(MlpHead);

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
  std::vector<std::pair<std::string, torch::Tensor>> exit_tensors(int64_t l) override;
  // Which of its head's adapters exit l reads.
  int64_t exit_slot(int64_t l) const { return shared_head_ ? l - 1 : 0; }

 private:
  MlpHeadImpl& head_of(int64_t l) { return *heads_.at(shared_head_ ? 0 : l - 1); }

  int64_t in_, out_, width_, exit_width_;
  bool shared_head_;
  torch::nn::Linear stem_{nullptr};
  std::vector<MlpBlock> blocks_;
  std::vector<MlpHead> heads_;
};

ModelPtr make_residual_mlp(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
