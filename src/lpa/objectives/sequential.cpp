#include "lpa/objectives/sequential.h"

#include "lpa/objectives/task_loss.h"

namespace lpa {

int64_t sequential_stage(int64_t step, int64_t total, int64_t depth) {
  if (total <= 0) return depth;
  return std::min(depth, step * depth / total + 1);
}

void set_trainable(torch::nn::Module& m, bool on) {
  for (auto& p : m.parameters()) p.requires_grad_(on);
  m.train(on);
}

namespace {

class Sequential : public Objective {
 public:
  using Objective::Objective;

  void begin_step(DepthwiseModel& m, int64_t step, int64_t total) override {
    const int64_t stage = sequential_stage(step, total, depth_);
    set_trainable(m.stem_module(), stage == 1);
    for (int64_t l = 1; l <= depth_; ++l) set_trainable(m.block_module(l), l == stage);
    for (int64_t l = 1; l <= depth_; ++l) set_trainable(m.head_module(l), false);
    set_trainable(m.head_module(stage), true);  // a shared head is the same module for every l
  }

  LossOutput compute(DepthwiseModel& m, const Batch& b, int64_t step, int64_t total) override {
    const int64_t stage = sequential_stage(step, total, depth_);
    ForwardOptions o = training_forward(m, step);
    o.layer_drop = 0.0;  // a stage trains one block: nothing to drop
    o.exits = only_exit(stage, stage);
    auto outs = m.forward_all(b.x, stage, o);  // blocks past the stage are not trained yet
    outs.resize(depth_);                         // logged as NaN
    torch::Tensor loss = loss_at(outs[stage - 1], b.y);
    return {loss, logging_ ? detached_losses(outs, b.y) : torch::Tensor(), {stage - 1}, loss.detach().reshape({1})};
  }

  std::pair<int64_t, int64_t> schedule_window(int64_t step, int64_t total) const override {
    const int64_t stage = sequential_stage(step, total, depth_);
    int64_t start = (stage - 1) * total / depth_;
    while (start > 0 && sequential_stage(start - 1, total, depth_) == stage) --start;
    while (sequential_stage(start, total, depth_) < stage) ++start;
    int64_t end = start;
    while (end < total && sequential_stage(end, total, depth_) == stage) ++end;
    return {start, end - start};
  }

  std::string describe() const override {
    return "lpa sequential: stage l trains block l on l(y_l, y), blocks < l frozen";
  }
};

}  // namespace

std::unique_ptr<Objective> make_sequential_objective(const ExperimentConfig& cfg, Task task,
                                                     int64_t depth) {
  return std::make_unique<Sequential>(cfg, task, depth);
}

}  // namespace lpa
