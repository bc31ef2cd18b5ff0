#include "lpa/eval/latency.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>

#include "lpa/errors.h"
#include "lpa/eval/graphed_forward.h"

namespace lpa {

double quantile_of(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

namespace {

void synchronize(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.has_index() ? d.index() : -1);
}

// Times of one forward pass per depth (run(j) runs depth j's), the depths taken in turn (round
// robin) so that every depth sees the same machine: on a shared or throttling machine a depth
// measured in one block would carry whatever else ran during that block.
std::vector<std::vector<double>> time_interleaved(const std::function<void(size_t)>& run, size_t depths,
                                                  int64_t warmup, int64_t runs, const torch::Device& device) {
  for (int64_t i = 0; i < warmup; ++i)
    for (size_t j = 0; j < depths; ++j) run(j);
  synchronize(device);
  std::vector<std::vector<double>> ms(depths);
  for (int64_t i = 0; i < runs; ++i) {
    for (size_t j = 0; j < depths; ++j) {
      const auto t0 = std::chrono::steady_clock::now();
      run(j);
      synchronize(device);
      const auto t1 = std::chrono::steady_clock::now();
      ms[j].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  return ms;
}

// One forward per depth on `x`: eager, or replaying each depth's graph captured on `x`.
std::function<void(size_t)> forward_per_depth(DepthwiseModel& model, const torch::Tensor& x,
                                              const std::vector<int64_t>& depths, bool cuda_graph) {
  if (!cuda_graph) return [&model, x, depths](size_t j) { model.forward(x, depths[j]); };
  auto graphs = std::make_shared<std::vector<std::unique_ptr<GraphedForward>>>();
  for (int64_t d : depths) graphs->push_back(std::make_unique<GraphedForward>(model, d, x));
  return [graphs](size_t j) { (*graphs)[j]->replay(); };
}

}  // namespace

std::vector<LatencyRow> measure_latency(DepthwiseModel& model, const torch::Tensor& one,
                                        const torch::Tensor& many, const std::vector<int64_t>& depths,
                                        const LatencyOptions& o) {
  if (o.runs < 1 || o.throughput_runs < 1 || o.warmup < 0)
    throw UserError("bench: --runs must be >= 1 and --warmup >= 0");
  for (int64_t d : depths) model.check_depth(d);
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x1 = one.to(o.device), xn = many.to(o.device);
  auto single = time_interleaved(forward_per_depth(model, x1, depths, o.cuda_graph), depths.size(), o.warmup,
                                 o.runs, o.device);
  auto batch = time_interleaved(forward_per_depth(model, xn, depths, o.cuda_graph), depths.size(),
                                std::max<int64_t>(1, o.warmup / 4), o.throughput_runs, o.device);
  std::vector<LatencyRow> rows;
  for (size_t j = 0; j < depths.size(); ++j) {
    const double mflops = model.flops_per_sample(depths[j]) / 1e6;
    const double median1 = quantile_of(single[j], 0.5), median = quantile_of(batch[j], 0.5);
    rows.push_back({depths[j], x1.size(0), median1, quantile_of(single[j], 0.9), 1000.0 * x1.size(0) / median1, mflops});
    rows.push_back({depths[j], xn.size(0), median, quantile_of(batch[j], 0.9), 1000.0 * xn.size(0) / median, mflops});
  }
  model.train(was_training);
  return rows;
}

std::string load_average_line() {
  std::ifstream loadavg("/proc/loadavg");
  std::string load;
  return loadavg >> load ? "load average (1 min) after the runs: " + load + "\n" : "";
}

}  // namespace lpa
