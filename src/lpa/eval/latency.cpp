#include "lpa/eval/latency.h"

#include <algorithm>
#include <chrono>

#include "lpa/errors.h"

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

// Milliseconds of each of `runs` forward passes at `depth`, after `warmup` untimed ones.
std::vector<double> time_forward(DepthwiseModel& model, const torch::Tensor& x, int64_t depth,
                                 int64_t warmup, int64_t runs, const torch::Device& device) {
  for (int64_t i = 0; i < warmup; ++i) model.forward(x, depth);
  synchronize(device);
  std::vector<double> ms;
  for (int64_t i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto y = model.forward(x, depth);
    synchronize(device);
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return ms;
}

}  // namespace

std::vector<LatencyRow> measure_latency(DepthwiseModel& model, const torch::Tensor& one,
                                        const torch::Tensor& many, const std::vector<int64_t>& depths,
                                        const LatencyOptions& o) {
  if (o.runs < 1 || o.throughput_runs < 1 || o.warmup < 0)
    throw UserError("bench: --runs must be >= 1 and --warmup >= 0");
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x1 = one.to(o.device), xn = many.to(o.device);
  std::vector<LatencyRow> rows;
  for (int64_t d : depths) {
    model.check_depth(d);
    const double mflops = model.flops_per_sample(d) / 1e6;
    auto single = time_forward(model, x1, d, o.warmup, o.runs, o.device);
    const double median1 = quantile_of(single, 0.5);
    rows.push_back({d, x1.size(0), median1, quantile_of(single, 0.9), 1000.0 * x1.size(0) / median1, mflops});
    auto batch = time_forward(model, xn, d, std::max<int64_t>(1, o.warmup / 4), o.throughput_runs, o.device);
    const double median = quantile_of(batch, 0.5);
    rows.push_back({d, xn.size(0), median, quantile_of(batch, 0.9), 1000.0 * xn.size(0) / median, mflops});
  }
  model.train(was_training);
  return rows;
}

}  // namespace lpa
