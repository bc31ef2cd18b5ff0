#include "lpa/eval/early_exit.h"

#include <algorithm>
#include <limits>

#include "lpa/errors.h"

namespace lpa {

ExitCriterion parse_exit_criterion(const std::string& s) {
  if (s == "confidence") return ExitCriterion::confidence;
  if (s == "entropy") return ExitCriterion::entropy;
  throw UserError("--early-exit: '" + s + "' is not confidence or entropy");
}

std::string to_string(ExitCriterion c) { return c == ExitCriterion::confidence ? "confidence" : "entropy"; }

double to_sureness(double threshold, ExitCriterion c) {
  return c == ExitCriterion::confidence ? threshold : -threshold;
}

torch::Tensor sureness(const torch::Tensor& logits, ExitCriterion c) {
  auto logp = torch::log_softmax(logits.to(torch::kDouble), 1);
  if (c == ExitCriterion::confidence) return std::get<0>(logp.max(1)).exp();
  return (logp.exp() * logp).sum(1);  // = -entropy
}

ExitScores collect_exit_scores(DepthwiseModel& model, const Dataset& data, Split split,
                               ExitCriterion criterion, const EvalOptions& o, int64_t max_depth) {
  const DataSpec spec = data.spec();
  if (max_depth == 0) max_depth = model.depth();
  model.check_depth(max_depth);
  if (spec.task != Task::classification)
    throw UserError("early exit needs a classifier; this run's task is " + to_string(spec.task));
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> sure, correct;
  const int64_t n = data.size(split);
  for (int64_t start = 0; start < n; start += o.batch_size) {
    const int64_t len = std::min(o.batch_size, n - start);
    Batch b = data.get(split, torch::arange(start, start + len, torch::kLong), false);
    auto outs = model.forward_all(b.x.to(o.device), max_depth);
    auto y = b.y.to(torch::kCPU).view({-1});
    std::vector<torch::Tensor> s_cols, c_cols;
    for (const auto& logits : outs) {
      auto lg = logits.to(torch::kCPU);
      s_cols.push_back(sureness(lg, criterion));
      c_cols.push_back(lg.argmax(1).eq(y));
    }
    sure.push_back(torch::stack(s_cols, 1));
    correct.push_back(torch::stack(c_cols, 1));
  }
  model.train(was_training);
  if (sure.empty()) throw UserError("split " + to_string(split) + " is empty");
  return {torch::cat(sure), torch::cat(correct)};
}

ExitPoint apply_exit_threshold(const ExitScores& s, double t, ExitCriterion c, const std::vector<double>& mflops) {
  const int64_t n = s.sureness.size(0), depth = s.sureness.size(1);
  auto pass = s.sureness.ge(t);
  pass.select(1, depth - 1).fill_(true);
  // Exit index = number of depths before the first pass.
  auto exit_index = pass.to(torch::kLong).cumsum(1).eq(0).sum(1);
  ExitPoint p;
  p.threshold = c == ExitCriterion::confidence ? t : -t;
  p.accuracy = s.correct.gather(1, exit_index.unsqueeze(1)).to(torch::kDouble).mean().item<double>();
  p.avg_depth = exit_index.to(torch::kDouble).mean().item<double>() + 1.0;
  auto counts = torch::bincount(exit_index, {}, depth).to(torch::kDouble);
  auto flops = torch::tensor(mflops, torch::kDouble);
  p.avg_mflops = (counts * flops).sum().item<double>() / static_cast<double>(n);
  for (int64_t l = 0; l < depth; ++l) p.fraction.push_back(counts[l].item<double>() / static_cast<double>(n));
  return p;
}

std::vector<double> candidate_thresholds(const ExitScores& s, int64_t quantiles) {
  const int64_t depth = s.sureness.size(1);
  std::vector<double> out;
  if (depth > 1) {
    auto early = s.sureness.narrow(1, 0, depth - 1).reshape({-1}).contiguous();
    // torch::quantile sorts its input and refuses very large ones: a strided subset is enough.
    if (early.numel() > (1 << 20)) early = early.slice(0, 0, early.numel(), early.numel() / (1 << 20) + 1);
    auto levels = torch::linspace(0.0, 1.0, quantiles + 1, torch::kDouble);
    auto q = torch::quantile(early, levels);
    for (int64_t i = 0; i <= quantiles; ++i) out.push_back(q[i].item<double>());
    // Above every early sureness: no sample exits before the full depth.
    out.push_back(std::nextafter(early.max().item<double>(), std::numeric_limits<double>::infinity()));
  } else {
    out.push_back(0.0);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t calibrate_for_accuracy(const std::vector<ExitPoint>& points, double target, bool* reached) {
  if (points.empty()) throw std::runtime_error("calibrate: no points");
  size_t best = points.size();
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].accuracy < target) continue;
    if (best == points.size() || points[i].avg_depth < points[best].avg_depth ||
        (points[i].avg_depth == points[best].avg_depth && points[i].accuracy > points[best].accuracy))
      best = i;
  }
  if (reached) *reached = best != points.size();
  if (best != points.size()) return best;
  best = 0;
  for (size_t i = 1; i < points.size(); ++i)
    if (points[i].accuracy > points[best].accuracy ||
        (points[i].accuracy == points[best].accuracy && points[i].avg_depth < points[best].avg_depth))
      best = i;
  return best;
}

size_t calibrate_for_budget(const std::vector<ExitPoint>& points, double budget) {
  size_t best = points.size();
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].avg_depth > budget) continue;
    if (best == points.size() || points[i].accuracy > points[best].accuracy ||
        (points[i].accuracy == points[best].accuracy && points[i].avg_depth < points[best].avg_depth))
      best = i;
  }
  if (best == points.size())
    throw UserError("--budget " + std::to_string(budget) + ": no threshold keeps the average depth that low "
                    "(every sample runs at least depth 1)");
  return best;
}

ExitCalibration calibrate_exit_rule(const ExitScores& val, const std::vector<double>& mflops, ExitCriterion criterion,
                                    double target_accuracy, double budget) {
  std::vector<ExitPoint> points;
  for (double t : candidate_thresholds(val)) points.push_back(apply_exit_threshold(val, t, criterion, mflops));
  ExitCalibration c;
  char buf[96];
  if (target_accuracy >= 0) {
    c.val = points[calibrate_for_accuracy(points, target_accuracy, &c.reached)];
    std::snprintf(buf, sizeof buf, "val accuracy >= %.4g", target_accuracy);
  } else {
    c.val = points[calibrate_for_budget(points, budget)];
    std::snprintf(buf, sizeof buf, "val average depth <= %.4g", budget);
  }
  c.description = buf;
  c.rule = {criterion, c.val.threshold};
  c.val_full_accuracy = full_depth_accuracy(val);
  return c;
}

double full_depth_accuracy(const ExitScores& s) {
  return s.correct.select(1, s.correct.size(1) - 1).to(torch::kDouble).mean().item<double>();
}

std::vector<double> exit_mflops(const DepthwiseModel& model, int64_t max_depth, int64_t classes) {
  constexpr double kSurenessOpsPerClass = 5.0;
  const double sure = kSurenessOpsPerClass * static_cast<double>(classes);
  std::vector<double> out;
  double heads_tried = 0;
  for (int64_t l = 1; l <= max_depth; ++l) {
    const double decisions = static_cast<double>(l < max_depth ? l : max_depth - 1);
    out.push_back((model.flops_per_sample(l) + heads_tried + decisions * sure) / 1e6);
    heads_tried += model.head_flops_per_sample(l);
  }
  return out;
}

ExitPredictions early_exit_forward(DepthwiseModel& model, const torch::Tensor& x, int64_t max_depth,
                                   const std::optional<ExitRule>& rule) {
  model.check_depth(max_depth);
  torch::NoGradGuard no_grad;
  torch::Tensor h = model.stem(x);
  const int64_t n = h.size(0);
  const auto longs = torch::TensorOptions().dtype(torch::kLong).device(h.device());
  torch::Tensor rows = torch::arange(n, longs);
  ExitPredictions out{torch::zeros({n}, longs), torch::zeros({n}, longs.dtype(torch::kFloat)),
                      torch::full({n}, max_depth, longs)};
  const ExitCriterion criterion = rule ? rule->criterion : ExitCriterion::confidence;
  // Sureness is negated entropy (early_exit.h): report it in the criterion's own units.
  auto reported = [&](const torch::Tensor& s) {
    return (criterion == ExitCriterion::confidence ? s : -s).to(torch::kFloat);
  };
  for (int64_t l = 1; l <= max_depth; ++l) {
    h = model.block(l, h);
    if (l == max_depth || !rule) continue;
    const torch::Tensor logits = model.head(l, h);
    const torch::Tensor s = sureness(logits, criterion);
    const torch::Tensor stop = s.ge(to_sureness(rule->threshold, criterion)).to(h.device());
    // One host read per block; the index work only where some, but not all, samples stop
    // (at batch 1 a block either ends the sample or leaves it whole).
    const int64_t stopping = stop.sum().item<int64_t>();
    if (stopping == 0) continue;
    if (stopping == rows.numel()) {
      out.prediction.index_put_({rows}, logits.argmax(1));
      out.sureness.index_put_({rows}, reported(s).to(h.device()));
      out.exit_depth.index_put_({rows}, l);
      return out;
    }
    const torch::Tensor done = rows.index({stop});
    out.prediction.index_put_({done}, logits.argmax(1).index({stop}));
    out.sureness.index_put_({done}, reported(s).to(h.device()).index({stop}));
    out.exit_depth.index_put_({done}, l);
    const torch::Tensor go = stop.logical_not().nonzero().squeeze(1);
    rows = rows.index_select(0, go);
    h = h.index_select(0, go);
    model.keep_samples(go);
  }
  const torch::Tensor logits = model.head(max_depth, h);
  out.prediction.index_put_({rows}, logits.argmax(1));
  out.sureness.index_put_({rows}, reported(sureness(logits, criterion)).to(h.device()));
  return out;
}

}  // namespace lpa
