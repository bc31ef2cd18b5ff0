// Inference latency and throughput of the model truncated at each depth (eval mode, no
// gradients): batch-1 latency as the median and 90th percentile of many timed runs after a
// warm-up, and samples per second at a large batch. Depths are timed in turn (round robin), so
// ratios between depths hold up on a shared machine.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "lpa/models/depthwise_model.h"

namespace lpa {

struct LatencyOptions {
  int64_t warmup = 20;            // untimed rounds over all depths first
  int64_t runs = 200;             // timed batch-1 runs per depth
  int64_t throughput_runs = 20;   // timed large-batch runs per depth
  torch::Device device = torch::kCPU;
  // Each depth's forward at each batch size captured as a CUDA graph and replayed
  // (eval/graphed_forward.h): the time of one launch instead of one per kernel.
  bool cuda_graph = false;
};

struct LatencyRow {
  int64_t depth = 0, batch = 0;
  double median_ms = 0, p90_ms = 0, samples_per_s = 0, mflops_per_sample = 0;
};

// Two rows per depth: batch 1 (from `one`, a batch of one sample) and the batch of `many`.
std::vector<LatencyRow> measure_latency(DepthwiseModel& model, const torch::Tensor& one,
                                        const torch::Tensor& many, const std::vector<int64_t>& depths,
                                        const LatencyOptions& options);

// "load average (1 min) after the runs: X\n" from /proc/loadavg ("" where there is none):
// timings on a busy machine mean little, so every benchmark says how busy it was.
std::string load_average_line();

// The q-quantile (0..1) of `v` by linear interpolation; v need not be sorted.
double quantile_of(std::vector<double> v, double q);

}  // namespace lpa
