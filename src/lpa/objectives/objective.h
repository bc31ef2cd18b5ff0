// Training objectives (docs/method.md has the formulas). An objective sees the model only
// through DepthwiseModel::forward_all and the module accessors it needs for freezing.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

struct LossOutput {
  torch::Tensor total;      // scalar to back-propagate
  // [N] detached ℓ at each depth, NaN where an exit was not computed; undefined on a step that
  // does not log (set_logging(false)), unless the objective needs it itself.
  torch::Tensor per_depth;
  // Every step, logging or not: the losses the objective computed anyway, detached, and their
  // exits (0-based). The trainer's divergence check names a bad depth from them without a
  // host read per step. Empty where an objective keeps none.
  std::vector<int64_t> computed_exits;
  torch::Tensor computed_losses;
};

// A short list of host numbers (depth weights, exit positions) as a tensor with `options`,
// copied again only when the numbers change, and then from pinned memory without blocking: a
// copy from pageable memory to an accelerator makes the host wait for the device, every step.
template <typename T>
class HostConstant {
 public:
  const torch::Tensor& get(const std::vector<T>& values, const torch::TensorOptions& options) {
    if (!tensor_.defined() || values != values_ || tensor_.device() != options.device() ||
        tensor_.dtype() != options.dtype()) {
      values_ = values;
      torch::Tensor host = torch::tensor(values_);
      if (options.device().is_cuda()) host = host.pin_memory();
      tensor_ = host.to(options, /*non_blocking=*/true);
    }
    return tensor_;
  }

 private:
  std::vector<T> values_;
  torch::Tensor tensor_;
};

class Objective {
 public:
  Objective(const ExperimentConfig& cfg, Task task, int64_t depth);
  virtual ~Objective() = default;

  // Sets train/eval modes and requires_grad for `step` (sequential freezes finished blocks).
  virtual void begin_step(DepthwiseModel& model, int64_t step, int64_t total_steps);
  virtual LossOutput compute(DepthwiseModel& model, const Batch& batch, int64_t step,
                             int64_t total_steps) = 0;
  // The learning-rate schedule runs over this window of steps (sequential: one per stage).
  virtual std::pair<int64_t, int64_t> schedule_window(int64_t /*step*/, int64_t total_steps) const {
    return {0, total_steps};
  }
  virtual std::string describe() const = 0;

  // State the objective carries between steps (adaptive weights' loss averages), saved in the
  // checkpoint; undefined when it has none. load_state gets what state() returned.
  virtual torch::Tensor state() const { return {}; }
  virtual void load_state(const torch::Tensor& /*state*/) {}
  // Data parallel: sums a vector over processes, so state built from the batch's losses is the
  // same on every rank (the trainer's Parallelism::sum_across_ranks).
  void set_rank_sum(std::function<void(std::vector<double>&)> sum, int64_t world_size) {
    rank_sum_ = std::move(sum);
    world_size_ = world_size;
  }

  // Whether the coming compute() calls log: when they do not, exits and losses that only the
  // log reads (E2E's intermediate heads, every depth's detached loss) are not computed.
  void set_logging(bool on) { logging_ = on; }

 protected:
  torch::Tensor loss_at(const torch::Tensor& prediction, const torch::Tensor& y) const;
  // The loss of every computed exit (outs[l] defined), in one pass: losses[i] is exit
  // exits[i]'s (0-based), with its graph.
  struct ExitLosses {
    std::vector<int64_t> exits;
    torch::Tensor losses;  // [K]
  };
  ExitLosses exit_losses(const std::vector<torch::Tensor>& outs, const torch::Tensor& y) const;
  // [depth] float32, detached: the losses at their exits, NaN at exits not computed.
  static torch::Tensor depth_losses(const ExitLosses& losses, int64_t depth);
  // Detached per-depth losses for logging, NaN where an output is undefined.
  torch::Tensor detached_losses(const std::vector<torch::Tensor>& outs, const torch::Tensor& y) const;
  // ℓ(ŷ_N, y) with layer dropout, the other exits computed only when logging.
  LossOutput deepest_exit_loss(DepthwiseModel& model, const Batch& batch, int64_t step) const;
  // The options every training forward shares: layer dropout (its draws seeded by train.seed
  // and `step`), and each block recomputed in backward under train.activation_checkpointing.
  ForwardOptions training_forward(DepthwiseModel& model, int64_t step) const;
  // ForwardOptions::exits for this step: every exit when logging, else only those in `needed`.
  std::vector<bool> exits_to_compute(std::vector<bool> needed) const;
  // ForwardOptions::exits with only exit `l` (1-based) of `depth`, or all when logging.
  std::vector<bool> only_exit(int64_t l, int64_t depth) const;

  const ExperimentConfig& cfg_;
  Task task_;
  int64_t depth_;
  std::function<void(std::vector<double>&)> rank_sum_;
  int64_t world_size_ = 1;
  bool logging_ = true;
};

std::unique_ptr<Objective> make_objective(const ExperimentConfig& cfg, Task task, int64_t depth);

}  // namespace lpa
