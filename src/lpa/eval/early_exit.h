// Early exit per sample: run the blocks in order and stop at the first depth whose prediction
// is sure enough (max softmax probability >= t, or entropy <= t); samples never sure enough
// finish at the full depth. One threshold for all depths, calibrated on the validation split.
#pragma once
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "lpa/data/dataset.h"
#include "lpa/eval/per_depth.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

enum class ExitCriterion { confidence, entropy };
ExitCriterion parse_exit_criterion(const std::string& s);  // UserError for others
std::string to_string(ExitCriterion c);

// Per sample and depth: how sure the depth-l prediction is (higher = surer; entropy is
// stored negated so both criteria read "exit when sureness >= s") and whether it is right.
struct ExitScores {
  torch::Tensor sureness;  // [n, N] double
  torch::Tensor correct;   // [n, N] bool
};

// Sureness from logits [n, classes].
torch::Tensor sureness(const torch::Tensor& logits, ExitCriterion c);

// One forward_all per batch over the whole split, exits 1..max_depth (0 = the model's depth).
// UserError unless the task is classification.
ExitScores collect_exit_scores(DepthwiseModel& model, const Dataset& data, Split split,
                               ExitCriterion criterion, const EvalOptions& options, int64_t max_depth = 0);

struct ExitPoint {
  double threshold = 0;     // in the criterion's units: probability, or entropy in nats
  double accuracy = 0;
  double avg_depth = 0;
  double avg_mflops = 0;    // mean of flops_per_sample(exit depth) / 1e6
  std::vector<double> fraction;  // of samples exiting at depth 1..N
};

// Outcome of exiting at threshold `t` (in sureness units); mflops[l-1] = MFLOPs of the
// model truncated at depth l.
ExitPoint apply_exit_threshold(const ExitScores& s, double t, ExitCriterion c, const std::vector<double>& mflops);

// Candidate sureness thresholds: quantiles of the sureness at depths 1..N-1 (from "every
// sample exits at depth 1" to "none exits early"), sorted, unique.
std::vector<double> candidate_thresholds(const ExitScores& s, int64_t quantiles = 200);

// The calibrated point (an index into `points`): fewest average depth with accuracy >= target
// (if no point reaches it: the most accurate); or most accurate with average depth <= budget.
size_t calibrate_for_accuracy(const std::vector<ExitPoint>& points, double target, bool* reached);
size_t calibrate_for_budget(const std::vector<ExitPoint>& points, double budget);

// MFLOPs per sample of a sample that stops at depth l = 1..max_depth under real early exit:
// the model truncated at l, plus every shallower exit's head it tried, plus the sureness
// (softmax and max or entropy, counted as 5 operations per class) at each depth it decided on.
std::vector<double> exit_mflops(const DepthwiseModel& model, int64_t max_depth, int64_t classes);

// A sample stops at the first depth whose sureness passes `threshold` (in the criterion's
// units: probability, or entropy in nats).
struct ExitRule {
  ExitCriterion criterion = ExitCriterion::confidence;
  double threshold = 0;
};

struct ExitPredictions {
  torch::Tensor prediction;  // int64 [B]: class at the exit depth
  torch::Tensor sureness;    // float32 [B]: max probability, or entropy in nats
  torch::Tensor exit_depth;  // int64 [B], 1..max_depth
};

// Real early exit on one batch (eval mode, no gradients): after block l only the samples not
// yet sure enough go on, regrouped into a smaller batch, so the work really falls. No rule:
// every sample runs to max_depth (sureness still reported, by confidence).
ExitPredictions early_exit_forward(DepthwiseModel& model, const torch::Tensor& x, int64_t max_depth,
                                   const std::optional<ExitRule>& rule);

// The rule calibrated on validation scores (exits 1..max_depth) with `mflops` from
// exit_mflops: the fewest average depth with accuracy >= target_accuracy (if none reaches it:
// the most accurate, reached = false), or, with target_accuracy < 0, the most accurate with
// average depth <= budget.
struct ExitCalibration {
  ExitRule rule;
  ExitPoint val;
  bool reached = true;
  double val_full_accuracy = 0;  // at max_depth without early exit
  std::string description;       // e.g. "val accuracy >= 0.9"
};
ExitCalibration calibrate_exit_rule(const ExitScores& val, const std::vector<double>& mflops, ExitCriterion criterion,
                                    double target_accuracy, double budget);

// Accuracy at the deepest exit the scores hold.
double full_depth_accuracy(const ExitScores& s);

// Sureness threshold that reproduces an ExitPoint's threshold (inverse of the unit change).
double to_sureness(double threshold, ExitCriterion c);

}  // namespace lpa
