// Metrics of one trained model at several depths, from one forward_all pass per batch.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "lpa/data/dataset.h"
#include "lpa/eval/meter.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

struct DepthResult {
  int64_t depth;
  Metrics metrics;
  int64_t params = 0;
  double mflops_per_sample = 0;
};

struct EvalOptions {
  int64_t batch_size = 512;
  int64_t max_batches = 0;  // 0 = whole split
  torch::Device device = torch::kCPU;
  // This process evaluates every world_size-th batch starting at `rank`; the caller merges
  // the meters' states across ranks.
  int64_t rank = 0, world_size = 1;
};

// Per-depth meters over a split (eval mode, no gradients). Model mode is restored afterwards.
std::vector<std::unique_ptr<Meter>> accumulate_per_depth(DepthwiseModel& model, const Dataset& data,
                                                         Split split,
                                                         const std::vector<int64_t>& depths,
                                                         const EvalOptions& options);

std::vector<DepthResult> evaluate_per_depth(DepthwiseModel& model, const Dataset& data, Split split,
                                            const std::vector<int64_t>& depths,
                                            const EvalOptions& options);

// Is the error progressive in depth? Judged on the task's primary metric (error direction).
struct ProgressiveSummary {
  bool monotone = true;
  int64_t rises = 0;         // consecutive evaluated depth pairs where the error goes up
  double largest_rise = 0;   // in the primary metric's units
  int64_t largest_rise_at = 0;  // the deeper depth of that pair
  std::string metric;
};
ProgressiveSummary progressive_summary(const std::vector<DepthResult>& results, Task task);
std::string describe(const ProgressiveSummary& s);

// A fixed-width table for the terminal: depth, metrics, params, MFLOPs.
std::string format_depth_table(const std::vector<DepthResult>& results);

}  // namespace lpa
