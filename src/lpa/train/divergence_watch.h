// NaN / Inf in the training loss, found without a host read per step: each step's loss and the
// exit losses it computed stay on their device until check() looks at them all at once (the
// trainer checks on the steps that log, before evaluating and before saving), one host read.
// The report still names the first bad step and, from that step's exit losses, the first bad
// depth.
#pragma once
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

namespace lpa {

// What the first bad step recorded: the step (1-based), its learning rate and loss, ℓ at every
// depth (per_depth[l - 1]; NaN where the step did not compute that exit, as its train_log.csv
// row shows it) and the depths whose exits it did compute.
struct Divergence {
  int64_t step = 0;
  double lr = 0, loss = 0;
  std::vector<double> per_depth;
  std::vector<int64_t> depths;  // 1-based, ascending
};

class DivergenceWatch {
 public:
  explicit DivergenceWatch(int64_t depth) : depth_(depth) {}

  // Keeps references to this step's values (no copy, no read). per_depth ([depth], NaN where not
  // computed) may be undefined; then exits (0-based) and their losses say what the step computed.
  void record(int64_t step, double lr, const torch::Tensor& loss, const torch::Tensor& per_depth,
              const std::vector<int64_t>& exits, const torch::Tensor& exit_losses);
  // The first recorded step whose loss is not finite, if any; forgets every recorded step.
  std::optional<Divergence> check();
  size_t pending() const { return steps_.size(); }

 private:
  struct Step {
    int64_t step;
    double lr;
    torch::Tensor loss, per_depth, exit_losses;
    std::vector<int64_t> exits;
  };
  int64_t depth_;
  std::vector<Step> steps_;
};

// "loss is nan at step 13, first at depth 3 (depths 1..2 finite): training diverged (...)".
std::string divergence_message(const Divergence& d);

}  // namespace lpa
