#include "lpa/train/activation_checkpoint.h"

#include <cstdint>
#include <mutex>

#include "lpa/train/precision.h"

namespace lpa {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The random-number generator of h's device, set to `state` while alive and then put back, so a
// recomputation draws the forward's dropout masks without disturbing the draws after it.
class ReplayRandom {
 public:
  ReplayRandom(const torch::Device& device, const torch::Tensor& state)
      : gen_(at::globalContext().defaultGenerator(device)) {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    saved_ = gen_.get_state();
    gen_.set_state(state);
  }
  ~ReplayRandom() {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    gen_.set_state(saved_);
  }
  ReplayRandom(const ReplayRandom&) = delete;
  ReplayRandom& operator=(const ReplayRandom&) = delete;

 private:
  at::Generator gen_;
  torch::Tensor saved_;
};

torch::Tensor random_state(const torch::Device& device) {
  at::Generator gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

struct CheckpointedBlock : torch::autograd::Function<CheckpointedBlock> {
  // `anchor` requires grad so that the output does even when h does not (a block after a
  // stop-gradient, a frozen stem): the block's own parameters still get their gradients.
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor h, torch::Tensor anchor,
                               DepthwiseModel* model, int64_t l) {
    (void)anchor;
    const torch::DeviceType type = h.is_cuda() ? torch::kCUDA : torch::kCPU;
    ctx->saved_data["model"] = reinterpret_cast<int64_t>(model);
    ctx->saved_data["l"] = l;
    ctx->saved_data["rng"] = random_state(h.device());
    ctx->saved_data["autocast"] = autocast_enabled(type);
    ctx->saved_data["autocast_dtype"] = static_cast<int64_t>(autocast_dtype(type));
    ctx->save_for_backward({h});
    return model->block(l, h);  // grad mode is off inside a Function's forward
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto* model = reinterpret_cast<DepthwiseModel*>(ctx->saved_data["model"].toInt());
    const int64_t l = ctx->saved_data["l"].toInt();
    const torch::Tensor saved = ctx->get_saved_variables().at(0);
    torch::Tensor h = saved.detach().requires_grad_(saved.requires_grad());
    torch::Tensor out;
    {
      ReplayRandom replay(h.device(), ctx->saved_data["rng"].toTensor());
      AutocastGuard autocast(h.is_cuda() ? torch::kCUDA : torch::kCPU, ctx->saved_data["autocast"].toBool(),
                             static_cast<at::ScalarType>(ctx->saved_data["autocast_dtype"].toInt()));
      torch::AutoGradMode grad_on(true);
      out = model->block(l, h);
    }
    // Accumulates into the block's parameters, as the stored graph would have.
    torch::autograd::backward({out}, {grads.at(0)});
    return {h.requires_grad() ? h.grad() : torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor checkpointed_block(DepthwiseModel& model, int64_t l, const torch::Tensor& h) {
  if (!torch::GradMode::is_enabled()) return model.block(l, h);
  static const torch::Tensor anchor = torch::zeros({}, torch::requires_grad());
  return CheckpointedBlock::apply(h, anchor, &model, l);
}

}  // namespace lpa
