// CIFAR-style ResNet (He et al. 2016): a 3x3 stem, stages of BasicBlocks with BatchNorm,
// stride-2 downsampling with a 1x1 projection shortcut where a stage starts, and a pre-activation
// variant. Every BasicBlock is one depth: exit l reads the trajectory after block l through a
// global-average-pool + linear head (per_depth, per_stage, or shared when all stages have one
// width). docs/batchnorm.md explains why the BatchNorm running statistics stay valid when the
// network is cut at any depth.
#pragma once
#include "lpa/config/config.h"
#include "lpa/config/resnet_layout.h"
#include "lpa/data/dataset.h"
#include "lpa/models/batch_norm.h"
#include "lpa/models/depthwise_model.h"
#include "lpa/models/named_tensors.h"

namespace lpa {

// Post-activation (original): act(bn2(conv2(act(bn1(conv1 x)))) + shortcut(x)),
//   shortcut = bn(conv1x1, stride s) when the shape changes, else x.
// Pre-activation: a = act(bn1 x); conv2(act(bn2(conv1 a))) + shortcut, shortcut = conv1x1(a)
//   when the shape changes, else x.
struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride, bool preact, std::string activation,
                 double init_scale);
  torch::Tensor forward(const torch::Tensor& h);
  bool has_projection() const { return !proj.is_empty(); }

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, proj{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, proj_bn{nullptr};
  bool preact;
  std::string activation;
  BatchNormSyncPtr sync = std::make_shared<BatchNormSync>();  // the model's, shared by its norms
};
TORCH_MODULE(BasicBlock);

// conv3x3 (+ BN + act in the post-activation network).
struct ResNetStemImpl : torch::nn::Module {
  ResNetStemImpl(int64_t in, int64_t out, bool preact, std::string activation);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  std::string activation;
  BatchNormSyncPtr sync = std::make_shared<BatchNormSync>();
};
TORCH_MODULE(ResNetStem);

// Global average pool + linear. In the pre-activation network the trajectory is not normalised,
// so the head first applies BN + act, with one BatchNorm per exit it serves: the statistics of
// h_l differ from depth to depth, and a norm shared across exits would average them.
// With model.exit_width > 0 each exit also has an adapter, act(bn(conv3x3(z))) to exit_width
// channels, before the pool (BYOT's per-exit bottleneck): the exit can compute class features
// from the trajectory instead of requiring its channels to be linearly separable once pooled.
struct ResNetHeadImpl : torch::nn::Module {
  ResNetHeadImpl(int64_t width, int64_t classes, int64_t exits, bool preact, std::string activation,
                 int64_t exit_width);
  torch::Tensor forward(const torch::Tensor& h, int64_t exit_slot);
  // The exit adapter of `exit_slot` on z (the pooled input without one).
  torch::Tensor adapt(const torch::Tensor& z, int64_t exit_slot);
  // What exit `exit_slot` reads, by role: fc, and its norm, exit_conv, exit_bn where the head has
  // them (parameter counts, probes and export all take a depth's head from here).
  ModulePieces exit_pieces(int64_t exit_slot);
  std::vector<torch::nn::BatchNorm2d> norms;  // preact only: one per exit served
  std::vector<torch::nn::Conv2d> exit_convs;  // exit_width > 0: one per exit served
  std::vector<torch::nn::BatchNorm2d> exit_norms;
  torch::nn::Linear fc{nullptr};
  std::string activation;
  BatchNormSyncPtr sync = std::make_shared<BatchNormSync>();
};
TORCH_MODULE(ResNetHead);

class ResNet : public DepthwiseModel {
 public:
  // input_shape: {C, H, W}.
  ResNet(const std::vector<int64_t>& input_shape, int64_t classes, const ModelSection& cfg);

  int64_t depth() const override { return static_cast<int64_t>(blocks_.size()); }
  std::string kind() const override { return "resnet"; }
  torch::Tensor stem(const torch::Tensor& x) override { return stem_->forward(x); }
  torch::Tensor block(int64_t l, const torch::Tensor& h) override { return blocks_.at(l - 1)->forward(h); }
  torch::Tensor head(int64_t l, const torch::Tensor& h) override;
  torch::nn::Module& stem_module() override { return *stem_; }
  torch::nn::Module& block_module(int64_t l) override { return *blocks_.at(l - 1); }
  torch::nn::Module& head_module(int64_t l) override { return *heads_.at(head_of_.at(l - 1)); }
  // fc.*, and this exit's norm.* and exit_conv.* / exit_bn.* where the head has them.
  std::vector<std::pair<std::string, torch::Tensor>> exit_tensors(int64_t l) override;
  bool skippable(int64_t l) const override { return !blocks_.at(l - 1)->has_projection(); }
  // Convolutions and the linear head, 2 FLOPs per multiply-add; BN, activations and pooling
  // (a few elementwise ops per activation, < 2% for ResNet-20) are not counted.
  double flops_per_sample(int64_t depth) const override;
  double head_flops_per_sample(int64_t depth) const override;
  void synchronise_batch_norm(TensorAllReduce all_reduce_sum) override;

  const ResNetLayout& layout() const { return layout_; }
  int64_t stage_of(int64_t l) const { return stage_of_.at(l - 1); }
  // Exit l's place among the exits its head serves (in depth order).
  int64_t exit_slot(int64_t l) const { return slot_of_.at(l - 1); }

 private:
  ResNetLayout layout_;
  bool preact_;
  ResNetStem stem_{nullptr};
  std::vector<BasicBlock> blocks_;
  std::vector<ResNetHead> heads_;
  std::vector<int64_t> stage_of_, head_of_, slot_of_;  // per block l-1
  double stem_flops_ = 0;
  std::vector<double> block_flops_, head_flops_;       // per block l-1
};

ModelPtr make_resnet(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
