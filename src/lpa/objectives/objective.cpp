#include "lpa/objectives/objective.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "lpa/objectives/depth_weights.h"
#include "lpa/objectives/probe.h"
#include "lpa/objectives/sequential.h"
#include "lpa/objectives/task_loss.h"

namespace lpa {

Objective::Objective(const ExperimentConfig& cfg, Task task, int64_t depth)
    : cfg_(cfg), task_(task), depth_(depth) {}

void Objective::begin_step(DepthwiseModel& model, int64_t, int64_t) { model.train(); }

torch::Tensor Objective::loss_at(const torch::Tensor& pred, const torch::Tensor& y) const {
  return task_loss(task_, pred, y, cfg_.loss.label_smoothing);
}

torch::Tensor Objective::detached_losses(const std::vector<torch::Tensor>& outs,
                                         const torch::Tensor& y) const {
  torch::NoGradGuard g;
  std::vector<torch::Tensor> v;
  v.reserve(outs.size());
  const auto nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto& o : outs)
    v.push_back(o.defined() ? loss_at(o, y).to(torch::kFloat32)
                            : torch::full({}, nan, y.options().dtype(torch::kFloat32)));
  return torch::stack(v);
}

torch::Tensor Objective::losses_at_every_depth(DepthwiseModel& model, const Batch& batch) const {
  torch::NoGradGuard g;
  return detached_losses(model.forward_all(batch.x, depth_), batch.y);
}

namespace {

// ℓ(ŷ_N, y): the baseline. Intermediate heads are computed only for logging.
class EndToEnd : public Objective {
 public:
  using Objective::Objective;
  LossOutput compute(DepthwiseModel& m, const Batch& b, int64_t, int64_t) override {
    ForwardOptions o;
    o.layer_drop = cfg_.loss.layer_drop;
    auto outs = m.forward_all(b.x, depth_, o);
    return {loss_at(outs.back(), b.y), detached_losses(outs, b.y)};
  }
  std::string describe() const override { return "e2e: l(y_N, y)"; }
};

// Σ_l w_l ℓ(g_l(h_l), y); `local` cuts the gradient between blocks so block l learns only
// its own residual target.
class DepthSum : public Objective {
 public:
  DepthSum(const ExperimentConfig& cfg, Task task, int64_t depth, bool local)
      : Objective(cfg, task, depth), local_(local) {}

  LossOutput compute(DepthwiseModel& m, const Batch& b, int64_t step, int64_t total) override {
    ForwardOptions o;
    o.stop_gradient = local_;
    o.layer_drop = cfg_.loss.layer_drop;
    o.exits = active_exits(step);
    const double progress = total > 0 ? static_cast<double>(step) / total : 1.0;
    auto w = depth_weights(cfg_.loss.weights, depth_, cfg_.loss.weight_list, progress);
    auto outs = m.forward_all(b.x, depth_, o);
    double active_weight = 0;
    for (int64_t l = 0; l < depth_; ++l)
      if (outs[l].defined()) active_weight += w[l];
    torch::Tensor total_loss;
    for (int64_t l = 0; l < depth_; ++l) {
      if (!outs[l].defined() || w[l] == 0) continue;
      torch::Tensor t = loss_at(outs[l], b.y) * (w[l] / active_weight);
      total_loss = total_loss.defined() ? total_loss + t : t;
    }
    return {total_loss, detached_losses(outs, b.y)};
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "lpa " << (local_ ? "local" : "joint") << ": sum_l w_l l(y_l, y), weights "
      << cfg_.loss.weights;
    if (cfg_.loss.curriculum == "rotational") s << ", rotational curriculum";
    return s.str();
  }

 private:
  // LayerSkip's rotational curriculum: exit l is active when (l + step) % period == 0; the
  // last exit always is.
  std::vector<bool> active_exits(int64_t step) const {
    if (cfg_.loss.curriculum != "rotational") return {};
    int64_t period = cfg_.loss.rotation_period > 0 ? cfg_.loss.rotation_period
                                                   : std::max<int64_t>(1, depth_ / 4);
    std::vector<bool> e(depth_);
    for (int64_t l = 1; l <= depth_; ++l) e[l - 1] = (l + step) % period == 0 || l == depth_;
    return e;
  }
  bool local_;
};

}  // namespace

std::unique_ptr<Objective> make_objective(const ExperimentConfig& cfg, Task task, int64_t depth) {
  if (!cfg.train.probe_from.empty()) return make_probe_objective(cfg, task, depth);
  if (cfg.loss.kind == "e2e") return std::make_unique<EndToEnd>(cfg, task, depth);
  if (cfg.loss.mode == "sequential") return make_sequential_objective(cfg, task, depth);
  return std::make_unique<DepthSum>(cfg, task, depth, cfg.loss.mode == "local");
}

}  // namespace lpa
