// Early exit per sample: run the blocks in order and stop at the first depth whose prediction
// is sure enough (max softmax probability >= t, or entropy <= t); samples never sure enough
// finish at the full depth. One threshold for all depths, calibrated on the validation split.
#pragma once
#include <torch/torch.h>

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

// One forward_all per batch over the whole split. UserError unless the task is classification.
ExitScores collect_exit_scores(DepthwiseModel& model, const Dataset& data, Split split,
                               ExitCriterion criterion, const EvalOptions& options);

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

// Sureness threshold that reproduces an ExitPoint's threshold (inverse of the unit change).
double to_sureness(double threshold, ExitCriterion c);

}  // namespace lpa
