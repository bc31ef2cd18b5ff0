#include "lpa/models/resnet.h"

#include <set>

#include "lpa/errors.h"
#include "lpa/models/activation.h"
#include "lpa/models/named_tensors.h"

namespace lpa {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  nn::Conv2d c(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
  // He init for ReLU networks, fan_out as in torchvision's ResNet.
  nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
  return c;
}

int64_t conv_out(int64_t size, int64_t stride) { return (size - 1) / stride + 1; }

double conv_flops(int64_t in, int64_t out, int64_t k, int64_t h, int64_t w) {
  return 2.0 * in * out * k * k * h * w;
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride, bool pre, std::string act,
                               double init_scale)
    : preact(pre), activation(std::move(act)) {
  conv1 = register_module("conv1", conv(in, out, 3, stride));
  bn1 = register_module("bn1", nn::BatchNorm2d(pre ? in : out));
  conv2 = register_module("conv2", conv(out, out, 3, 1));
  bn2 = register_module("bn2", nn::BatchNorm2d(out));
  if (stride != 1 || in != out) {
    proj = register_module("proj", conv(in, out, 1, stride));
    if (!pre) proj_bn = register_module("proj_bn", nn::BatchNorm2d(out));
  }
  // init_scale scales the residual branch's last layer (0 = the block starts as identity).
  torch::NoGradGuard g;
  if (pre) conv2->weight.mul_(init_scale);
  else bn2->weight.mul_(init_scale);
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& h) {
  if (preact) {
    torch::Tensor a = apply_activation(activation, batch_norm(*bn1, h, *sync));
    torch::Tensor shortcut = has_projection() ? proj->forward(a) : h;
    torch::Tensor y = conv1->forward(a);
    y = conv2->forward(apply_activation(activation, batch_norm(*bn2, y, *sync)));
    return y + shortcut;
  }
  torch::Tensor y = apply_activation(activation, batch_norm(*bn1, conv1->forward(h), *sync));
  y = batch_norm(*bn2, conv2->forward(y), *sync);
  torch::Tensor shortcut = has_projection() ? batch_norm(*proj_bn, proj->forward(h), *sync) : h;
  return apply_activation(activation, y + shortcut);
}

ResNetStemImpl::ResNetStemImpl(int64_t in, int64_t out, bool preact, std::string act)
    : activation(std::move(act)) {
  conv = register_module("conv", lpa::conv(in, out, 3, 1));
  if (!preact) bn = register_module("bn", nn::BatchNorm2d(out));
}

torch::Tensor ResNetStemImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = conv->forward(x);
  return bn ? apply_activation(activation, batch_norm(*bn, h, *sync)) : h;
}

ResNetHeadImpl::ResNetHeadImpl(int64_t width, int64_t classes, int64_t exits, bool preact,
                               std::string act, int64_t exit_width)
    : activation(std::move(act)) {
  for (int64_t i = 0; i < exits; ++i) {
    const std::string n = std::to_string(i + 1);
    if (preact) norms.emplace_back(register_module("norm" + n, nn::BatchNorm2d(width)));
    if (exit_width > 0) {
      exit_convs.emplace_back(register_module("exit_conv" + n, conv(width, exit_width, 3, 1)));
      exit_norms.emplace_back(register_module("exit_bn" + n, nn::BatchNorm2d(exit_width)));
    }
  }
  fc = register_module("fc", nn::Linear(exit_width > 0 ? exit_width : width, classes));
}

torch::Tensor ResNetHeadImpl::adapt(const torch::Tensor& z, int64_t slot) {
  if (exit_convs.empty()) return z;
  return apply_activation(activation, batch_norm(*exit_norms.at(slot), exit_convs.at(slot)->forward(z), *sync));
}

ModulePieces ResNetHeadImpl::exit_pieces(int64_t slot) {
  ModulePieces out{{"fc", fc.get()}};
  if (!norms.empty()) out.emplace_back("norm", norms.at(slot).get());
  if (!exit_convs.empty()) {
    out.emplace_back("exit_conv", exit_convs.at(slot).get());
    out.emplace_back("exit_bn", exit_norms.at(slot).get());
  }
  return out;
}

torch::Tensor ResNetHeadImpl::forward(const torch::Tensor& h, int64_t slot) {
  torch::Tensor z = norms.empty() ? h : apply_activation(activation, batch_norm(*norms.at(slot), h, *sync));
  return fc->forward(adapt(z, slot).mean({2, 3}));
}

ResNet::ResNet(const std::vector<int64_t>& shape, int64_t classes, const ModelSection& c)
    : layout_(resnet_layout(c)), preact_(c.preact) {
  if (shape.size() != 3)
    throw UserError("model.type: resnet needs images [channels, height, width]; the data gives " +
                    std::to_string(shape.size()) + "-d samples (is data.flatten on?)");
  const auto& L = layout_;
  int64_t in = L.widths.front(), h = shape[1], w = shape[2];
  stem_ = register_module("stem", ResNetStem(shape[0], in, preact_, c.activation));
  stem_flops_ = conv_flops(shape[0], in, 3, h, w);
  const int64_t n_stages = static_cast<int64_t>(L.stages.size());
  for (int64_t s = 0; s < n_stages; ++s) {
    const int64_t out = L.widths[s];
    for (int64_t i = 0; i < L.stages[s]; ++i) {
      const int64_t stride = (s > 0 && i == 0 && !L.isotropic) ? 2 : 1;
      const int64_t ho = conv_out(h, stride), wo = conv_out(w, stride);
      const int64_t l = static_cast<int64_t>(blocks_.size()) + 1;
      auto b = register_module("block" + std::to_string(l),
                               BasicBlock(in, out, stride, preact_, c.activation, c.init_scale));
      double f = conv_flops(in, out, 3, ho, wo) + conv_flops(out, out, 3, ho, wo);
      if (b->has_projection()) f += conv_flops(in, out, 1, ho, wo);
      blocks_.emplace_back(b);
      block_flops_.push_back(f);
      head_flops_.push_back(c.exit_width > 0
                                ? conv_flops(out, c.exit_width, 3, ho, wo) + 2.0 * c.exit_width * classes
                                : 2.0 * out * classes);
      stage_of_.push_back(s);
      in = out;
      h = ho;
      w = wo;
    }
  }
  // Which head reads exit l, and which of that head's per-exit norms (pre-activation only).
  const int64_t n = depth();
  for (int64_t l = 0; l < n; ++l) {
    if (c.head == "per_depth") head_of_.push_back(l);
    else if (c.head == "per_stage") head_of_.push_back(stage_of_[l]);
    else head_of_.push_back(0);
  }
  const int64_t n_heads = head_of_.back() + 1;
  std::vector<int64_t> served(n_heads, 0);
  for (int64_t l = 0; l < n; ++l) slot_of_.push_back(served[head_of_[l]]++);
  for (int64_t k = 0; k < n_heads; ++k) {
    int64_t last = 0;  // the width of the trajectory this head reads
    for (int64_t l = 0; l < n; ++l)
      if (head_of_[l] == k) last = L.widths[stage_of_[l]];
    const std::string name = c.head == "shared" ? "head" : "head" + std::to_string(k + 1);
    heads_.emplace_back(
        register_module(name, ResNetHead(last, classes, served[k], preact_, c.activation, c.exit_width)));
  }
}

torch::Tensor ResNet::head(int64_t l, const torch::Tensor& h) {
  return heads_.at(head_of_.at(l - 1))->forward(h, slot_of_.at(l - 1));
}

void ResNet::synchronise_batch_norm(TensorAllReduce all_reduce_sum) {
  auto sync = std::make_shared<BatchNormSync>(BatchNormSync{std::move(all_reduce_sum)});
  stem_->sync = sync;
  for (auto& b : blocks_) b->sync = sync;
  for (auto& h : heads_) h->sync = sync;
}

std::vector<std::pair<std::string, torch::Tensor>> ResNet::exit_tensors(int64_t l) {
  check_depth(l);
  NamedTensors out;
  append_piece_tensors(out, heads_[head_of_[l - 1]]->exit_pieces(slot_of_[l - 1]));
  return out;
}

double ResNet::flops_per_sample(int64_t d) const {
  check_depth(d);
  double f = stem_flops_;
  for (int64_t l = 0; l < d; ++l) f += block_flops_[l];
  return f + head_flops_[d - 1];
}

double ResNet::head_flops_per_sample(int64_t d) const {
  check_depth(d);
  return head_flops_[d - 1];
}

ModelPtr make_resnet(const ExperimentConfig& cfg, const DataSpec& spec) {
  if (spec.task != Task::classification)
    throw UserError(cfg.where("model.type") + ": resnet is a classifier; data.type " +
                    cfg.data.type + " is not");
  return std::make_shared<ResNet>(spec.input_shape, spec.output_dim, cfg.model);
}

}  // namespace lpa
