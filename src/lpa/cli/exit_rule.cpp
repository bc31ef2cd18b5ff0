#include "lpa/cli/exit_rule.h"

#include <algorithm>
#include <cstdio>

#include "lpa/errors.h"

namespace lpa::cli {

void check_exit_rule_options(const ExitRuleOptions& o, const std::string& command) {
  const int given = (o.threshold >= 0) + (o.target_accuracy >= 0) + (o.max_drop >= 0) + (o.budget >= 0);
  if (o.criterion.empty()) {
    if (given)
      throw UserError(command + ": --threshold, --target-accuracy, --max-drop and --budget need --early-exit confidence|entropy");
    return;
  }
  const ExitCriterion c = parse_exit_criterion(o.criterion);
  if (given != 1)
    throw UserError(command + " --early-exit: give exactly one of --threshold T, --target-accuracy A (0..1), "
                    "--max-drop P (accuracy points below full depth) or --budget D (average depth)");
  if (o.target_accuracy >= 0 && !(o.target_accuracy > 0 && o.target_accuracy <= 1))
    throw UserError(command + ": --target-accuracy is a fraction in (0, 1], got " + std::to_string(o.target_accuracy));
  if (o.threshold >= 0 && c == ExitCriterion::confidence && o.threshold > 1)
    throw UserError(command + ": a confidence --threshold is a probability in [0, 1], got " + std::to_string(o.threshold));
}

std::optional<ExitCalibration> resolve_exit_rule(const ExitRuleOptions& o, DepthwiseModel& model,
                                                 const Dataset& data, int64_t max_depth,
                                                 const lpa::EvalOptions& eval, const std::string& command) {
  check_exit_rule_options(o, command);
  if (o.criterion.empty()) return std::nullopt;
  if (data.spec().task != Task::classification)
    throw UserError(command + " --early-exit: needs a classifier; this run's task is " + to_string(data.spec().task));
  const ExitCriterion c = parse_exit_criterion(o.criterion);
  if (o.budget >= 0 && !(o.budget >= 1 && o.budget <= max_depth))
    throw UserError(command + ": --budget is an average depth in 1.." + std::to_string(max_depth) + ", got " +
                    std::to_string(o.budget));
  const ExitScores val = collect_exit_scores(model, data, Split::val, c, eval, max_depth);
  const std::vector<double> mflops = exit_mflops(model, max_depth, data.spec().output_dim);
  if (o.threshold < 0) {
    const bool by_budget = o.budget >= 0;
    const double target = o.max_drop >= 0 ? std::max(0.0, full_depth_accuracy(val) - o.max_drop / 100.0) : o.target_accuracy;
    ExitCalibration cal = calibrate_exit_rule(val, mflops, c, by_budget ? -1 : target, by_budget ? o.budget : -1);
    if (o.max_drop >= 0) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "val accuracy >= full depth's %.4f - %.3g points", cal.val_full_accuracy, o.max_drop);
      cal.description = buf;
    }
    return cal;
  }
  ExitCalibration cal;
  cal.rule = {c, o.threshold};
  cal.val = apply_exit_threshold(val, to_sureness(o.threshold, c), c, mflops);
  cal.val_full_accuracy = full_depth_accuracy(val);
  cal.description = "given threshold";
  return cal;
}

std::string describe_rule(const ExitRule& rule) {
  char buf[64];
  if (rule.criterion == ExitCriterion::confidence) std::snprintf(buf, sizeof buf, "confidence >= %.6g", rule.threshold);
  else std::snprintf(buf, sizeof buf, "entropy <= %.6g nats", rule.threshold);
  return buf;
}

}  // namespace lpa::cli
