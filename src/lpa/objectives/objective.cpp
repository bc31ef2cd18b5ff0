#include "lpa/train/stream_seed.h"
#include "lpa/objectives/objective.h"

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "lpa/objectives/depth_weights.h"
#include "lpa/objectives/distillation.h"
#include "lpa/objectives/exit_curriculum.h"
#include "lpa/objectives/loss_ema.h"
#include "lpa/objectives/probe.h"
#include "lpa/objectives/sequential.h"
#include "lpa/objectives/task_loss.h"
#include "lpa/train/activation_checkpoint.h"

namespace lpa {

Objective::Objective(const ExperimentConfig& cfg, Task task, int64_t depth)
    : cfg_(cfg), task_(task), depth_(depth) {}

void Objective::begin_step(DepthwiseModel& model, int64_t, int64_t) { model.train(); }

torch::Tensor Objective::loss_at(const torch::Tensor& pred, const torch::Tensor& y) const {
  return task_loss(task_, pred, y, cfg_.loss.label_smoothing);
}

Objective::ExitLosses Objective::exit_losses(const std::vector<torch::Tensor>& outs,
                                             const torch::Tensor& y) const {
  ExitLosses e;
  std::vector<torch::Tensor> preds;
  for (size_t l = 0; l < outs.size(); ++l) {
    if (!outs[l].defined()) continue;
    e.exits.push_back(static_cast<int64_t>(l));
    preds.push_back(outs[l]);
  }
  if (!preds.empty()) e.losses = task_losses(task_, preds, y, cfg_.loss.label_smoothing);
  return e;
}

torch::Tensor Objective::depth_losses(const ExitLosses& e, int64_t depth) {
  torch::NoGradGuard g;
  const auto options = e.losses.defined() ? e.losses.options() : torch::TensorOptions();
  torch::Tensor out = torch::full({depth}, std::numeric_limits<float>::quiet_NaN(), options.dtype(torch::kFloat32));
  if (e.exits.empty()) return out;
  const torch::Tensor at = torch::tensor(e.exits, torch::TensorOptions().dtype(torch::kLong)).to(out.device());
  return out.index_copy_(0, at, e.losses.detach().to(torch::kFloat32));
}

torch::Tensor Objective::detached_losses(const std::vector<torch::Tensor>& outs,
                                         const torch::Tensor& y) const {
  torch::NoGradGuard g;
  return depth_losses(exit_losses(outs, y), static_cast<int64_t>(outs.size()));
}

std::vector<bool> Objective::exits_to_compute(std::vector<bool> needed) const {
  return logging_ ? std::vector<bool>() : needed;
}

std::vector<bool> Objective::only_exit(int64_t l, int64_t depth) const {
  std::vector<bool> needed(depth, false);
  needed[l - 1] = true;
  return exits_to_compute(std::move(needed));
}

ForwardOptions Objective::training_forward(DepthwiseModel& m, int64_t step) const {
  ForwardOptions o;
  o.layer_drop = cfg_.loss.layer_drop;
  o.layer_drop_exponential = cfg_.loss.layer_drop_shape == "exponential";
  // A different stream per (seed, step), the same on every rank and after a resume.
  o.layer_drop_seed = static_cast<int64_t>(stream_seed(cfg_.train.seed, step, kLayerDropStream));
  if (cfg_.train.activation_checkpointing)
    o.run_block = [&m](int64_t l, const torch::Tensor& h) { return checkpointed_block(m, l, h); };
  return o;
}

LossOutput Objective::deepest_exit_loss(DepthwiseModel& m, const Batch& b, int64_t step) const {
  ForwardOptions o = training_forward(m, step);
  o.exits = only_exit(depth_, depth_);
  auto outs = m.forward_all(b.x, depth_, o);
  torch::Tensor loss = loss_at(outs.back(), b.y);
  return {loss, logging_ ? detached_losses(outs, b.y) : torch::Tensor(), {depth_ - 1}, loss.detach().reshape({1})};
}

namespace {

// ℓ(ŷ_N, y): the baseline. Intermediate heads are computed only on steps that log.
class EndToEnd : public Objective {
 public:
  using Objective::Objective;
  LossOutput compute(DepthwiseModel& m, const Batch& b, int64_t step, int64_t) override {
    return deepest_exit_loss(m, b, step);
  }
  std::string describe() const override { return "e2e: l(y_N, y)"; }
};

// Σ_l w_l ℓ(g_l(h_l), y) and its options (docs/method.md); `local` cuts the gradient between
// blocks so block l learns only its own residual target.
class DepthSum : public Objective {
 public:
  DepthSum(const ExperimentConfig& cfg, Task task, int64_t depth, bool local)
      : Objective(cfg, task, depth), local_(local), ema_(depth, cfg.loss.adaptive_decay) {}

  LossOutput compute(DepthwiseModel& m, const Batch& b, int64_t step, int64_t total) override {
    const LossSection& loss = cfg_.loss;
    ForwardOptions o = training_forward(m, step);
    if (in_e2e_phase(step, total)) return deepest_exit_loss(m, b, step);
    o.stop_gradient = local_;
    o.exits = active_exits(loss, depth_, step, total);
    o.gradient_equilibrium = loss.gradient_equilibrium;
    const bool normalise_heads = loss.head_gradient == "normalised";
    // Filled below, once the weights are known; read by backward (ForwardOptions).
    if (normalise_heads) o.head_gradient_scales = torch::ones({depth_}, torch::kDouble);
    auto outs = m.forward_all(b.x, depth_, o);
    // Each exit's loss once, with its graph; the logged (and adaptive weights') values are the
    // same numbers detached.
    const ExitLosses e = exit_losses(outs, b.y);
    const bool adaptive = loss.weights == "adaptive";
    torch::Tensor per_depth = logging_ || adaptive ? depth_losses(e, depth_) : torch::Tensor();
    const auto w = weights(per_depth, step, total);
    double active_weight = 0;
    for (int64_t l : e.exits) active_weight += w[l];
    const torch::Tensor& deepest = outs.back();
    // Σ c_i ℓ_i as one product over the exits weighted above 0 (an overflowing exit that no
    // weight trains must not turn the sum into NaN), plus the distillation terms.
    std::vector<int64_t> used;
    std::vector<double> coefficients;
    torch::Tensor distilled_sum;
    for (size_t i = 0; i < e.exits.size(); ++i) {
      const int64_t l = e.exits[i];
      if (w[l] == 0) continue;
      const double c = w[l] / active_weight;
      const bool distilled = loss.distill_alpha > 0 && l + 1 < depth_;
      used.push_back(static_cast<int64_t>(i));
      coefficients.push_back(distilled ? c * (1 - loss.distill_alpha) : c);
      if (!distilled) continue;
      torch::Tensor d = distillation_loss(task_, outs[l], deepest, loss.distill_temperature) * (c * loss.distill_alpha);
      distilled_sum = distilled_sum.defined() ? distilled_sum + d : d;
    }
    if (normalise_heads) fill_head_shares(m, e.exits, w, active_weight, o.head_gradient_scales);
    const auto on = e.losses.options();
    torch::Tensor terms = e.losses;
    if (used.size() < e.exits.size()) terms = terms.index_select(0, used_on_device_.get(used, on.dtype(torch::kLong)));
    torch::Tensor total_loss = (terms * coefficients_on_device_.get(coefficients, on)).sum();
    if (distilled_sum.defined()) total_loss = total_loss + distilled_sum;
    return {total_loss, per_depth, e.exits, e.losses.detach()};
  }

  std::string describe() const override {
    const LossSection& loss = cfg_.loss;
    std::ostringstream s;
    s << "lpa " << (local_ ? "local" : "joint") << ": sum_l w_l l(y_l, y), weights " << loss.weights;
    if (loss.weights == "adaptive") s << " (1/EMA of each depth's loss, decay " << loss.adaptive_decay << ")";
    if (loss.final_weight > 0) s << ", final exit weight " << loss.final_weight << "x the others";
    if (loss.aux_ramp > 0) s << ", exits < N ramped over " << loss.aux_ramp << " of the run";
    if (loss.curriculum != "none") s << ", " << loss.curriculum << " curriculum";
    if (loss.distill_alpha > 0)
      s << ", self-distillation alpha " << loss.distill_alpha << " T " << loss.distill_temperature;
    if (loss.gradient_equilibrium) s << ", gradient equilibrium";
    if (loss.e2e_fraction > 0) s << ", after e2e for the first " << loss.e2e_fraction << " of the steps";
    if (loss.head_gradient == "normalised") s << ", heads' gradients normalised by their exits' weight";
    return s.str();
  }

  torch::Tensor state() const override {
    return cfg_.loss.weights == "adaptive" ? ema_.state() : torch::Tensor();
  }
  void load_state(const torch::Tensor& s) override {
    if (cfg_.loss.weights == "adaptive" && s.defined()) ema_.load_state(s);
  }

 private:
  HostConstant<int64_t> used_on_device_;
  HostConstant<double> coefficients_on_device_;

  // loss.head_gradient: normalised. s_l = W_g, the summed share of the exits in the loss that
  // head g = g_l serves: forward_all divides the gradient into the head by it and multiplies
  // the gradient out of the head by it, so the head learns as if those shares summed to 1 and
  // the blocks get the weighted objective's gradient.
  static void fill_head_shares(DepthwiseModel& m, const std::vector<int64_t>& exits, const std::vector<double>& w,
                               double active_weight, torch::Tensor& scales) {
    std::map<const torch::nn::Module*, double> share;
    for (int64_t l : exits)
      if (w[l] != 0) share[&m.head_module(l + 1)] += w[l] / active_weight;
    double* s = scales.data_ptr<double>();
    for (int64_t l : exits)
      if (w[l] != 0) s[l] = share.at(&m.head_module(l + 1));
  }

  bool in_e2e_phase(int64_t step, int64_t total) const {
    return cfg_.loss.e2e_fraction > 0 &&
           step < static_cast<int64_t>(cfg_.loss.e2e_fraction * static_cast<double>(total));
  }

  std::vector<double> weights(const torch::Tensor& per_depth, int64_t step, int64_t total) {
    const double progress = total > 0 ? static_cast<double>(step) / total : 1.0;
    std::vector<double> w;
    if (cfg_.loss.weights == "adaptive") {  // per_depth is always stacked for it
      auto c = per_depth.to(torch::kCPU, torch::kDouble).contiguous();
      std::vector<double> losses(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
      if (rank_sum_) {  // NaN (exit not computed) stays NaN: every rank computes the same exits
        rank_sum_(losses);
        for (auto& v : losses) v /= static_cast<double>(world_size_);
      }
      ema_.update(losses);
      w = ema_.weights();
    } else {
      w = depth_weights(cfg_.loss.weights, depth_, cfg_.loss.weight_list, progress);
    }
    return shape_depth_weights(std::move(w), cfg_.loss.final_weight, cfg_.loss.aux_ramp, progress);
  }

  bool local_;
  LossEma ema_;
};

}  // namespace

std::unique_ptr<Objective> make_objective(const ExperimentConfig& cfg, Task task, int64_t depth) {
  if (!cfg.train.probe_from.empty()) return make_probe_objective(cfg, task, depth);
  if (cfg.loss.kind == "e2e") return std::make_unique<EndToEnd>(cfg, task, depth);
  if (cfg.loss.mode == "sequential") return make_sequential_objective(cfg, task, depth);
  return std::make_unique<DepthSum>(cfg, task, depth, cfg.loss.mode == "local");
}

}  // namespace lpa
