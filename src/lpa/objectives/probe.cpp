#include "lpa/objectives/probe.h"

#include <algorithm>

#include "lpa/errors.h"
#include "lpa/objectives/sequential.h"

namespace lpa {

std::vector<bool> probe_trained_exits(DepthwiseModel& m, const ExperimentConfig& cfg) {
  const int64_t n = m.depth();
  const torch::nn::Module* deepest = &m.head_module(n);
  if (n < 2) throw UserError("a probe run (train.probe_from) needs an exit below the deepest; this model has one block");
  std::vector<bool> trained(n, false);
  for (int64_t l = 1; l < n; ++l) trained[l - 1] = &m.head_module(l) != deepest;
  if (std::find(trained.begin(), trained.end(), true) == trained.end())
    throw UserError(cfg.where("model.head") + ": " + cfg.model.head + " heads leave a probe run " +
                    "(train.probe_from) nothing to train: every exit reads the deepest exit's head, " +
                    "which stays as trained; use model.head: per_depth (each head starts as the " +
                    "source's head of that exit)");
  return trained;
}

namespace {

class Probe : public Objective {
 public:
  using Objective::Objective;

  void begin_step(DepthwiseModel& m, int64_t, int64_t) override {
    if (trained_.empty()) trained_ = probe_trained_exits(m, cfg_);
    set_trainable(m, false);  // stem, blocks, the deepest exit's head, anything else
    for (int64_t l = 1; l <= depth_; ++l)
      if (trained_[l - 1]) set_trainable(m.head_module(l), true);
  }

  LossOutput compute(DepthwiseModel& m, const Batch& b, int64_t, int64_t) override {
    // No layer drop, no dropout: the heads learn to read the backbone as inference runs it.
    ForwardOptions o;
    o.exits = exits_to_compute(trained_);
    auto outs = m.forward_all(b.x, depth_, o);
    const ExitLosses e = exit_losses(outs, b.y);
    std::vector<int64_t> trained_at;  // positions in e.losses
    for (size_t i = 0; i < e.exits.size(); ++i)
      if (trained_[e.exits[i]]) trained_at.push_back(static_cast<int64_t>(i));
    torch::Tensor total =
        e.losses.index_select(0, trained_at_on_device_.get(trained_at, e.losses.options().dtype(torch::kLong))).sum();
    return {total, logging_ ? depth_losses(e, depth_) : torch::Tensor(), e.exits, e.losses.detach()};
  }

  std::string describe() const override {
    return "probes on the frozen model of " + cfg_.train.probe_from +
           ": sum_l l(y_l, y) over the exits whose head is not exit " + std::to_string(depth_) +
           "'s (kept as trained there)";
  }

 private:
  std::vector<bool> trained_;  // set at the first step, from the model's head modules
  HostConstant<int64_t> trained_at_on_device_;  // the positions of the trained exits among those computed
};

}  // namespace

std::unique_ptr<Objective> make_probe_objective(const ExperimentConfig& cfg, Task task, int64_t depth) {
  return std::make_unique<Probe>(cfg, task, depth);
}

}  // namespace lpa
