#include "lpa/eval/per_depth.h"

#include <cstdio>
#include <sstream>

namespace lpa {

std::vector<std::unique_ptr<Meter>> accumulate_per_depth(DepthwiseModel& model, const Dataset& data,
                                                         Split split,
                                                         const std::vector<int64_t>& depths,
                                                         const EvalOptions& o) {
  const DataSpec spec = data.spec();
  std::vector<std::unique_ptr<Meter>> meters;
  for (size_t i = 0; i < depths.size(); ++i) meters.push_back(make_meter(spec.task, spec.output_dim));
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const int64_t n = data.size(split);
  const int64_t max_depth = depths.back();
  int64_t batch_index = 0;
  for (int64_t start = 0; start < n; start += o.batch_size, ++batch_index) {
    if (o.max_batches > 0 && batch_index >= o.max_batches) break;
    if (batch_index % o.world_size != o.rank) continue;
    const int64_t len = std::min(o.batch_size, n - start);
    const Batch b = to_device(data.get(split, torch::arange(start, start + len, torch::kLong), false), o.device);
    ForwardOptions fo;
    fo.exits.assign(model.depth(), false);
    for (auto d : depths) fo.exits[d - 1] = true;
    auto outs = model.forward_all(b.x, max_depth, fo);
    for (size_t i = 0; i < depths.size(); ++i) meters[i]->add(outs[depths[i] - 1], b.y);
  }
  model.train(was_training);
  return meters;
}

std::vector<DepthResult> evaluate_per_depth(DepthwiseModel& model, const Dataset& data, Split split,
                                            const std::vector<int64_t>& depths,
                                            const EvalOptions& o) {
  auto meters = accumulate_per_depth(model, data, split, depths, o);
  std::vector<DepthResult> out;
  for (size_t i = 0; i < depths.size(); ++i)
    out.push_back({depths[i], meters[i]->metrics(), model.params_at_depth(depths[i]),
                   model.flops_per_sample(depths[i]) / 1e6});
  return out;
}

ProgressiveSummary progressive_summary(const std::vector<DepthResult>& r, Task task) {
  ProgressiveSummary s;
  const PrimaryMetric pm = primary_metric(task);
  s.metric = pm.lower_is_better ? pm.name : "error (1 - " + pm.name + ")";
  auto error = [&](const DepthResult& d) {
    double v = metric_value(d.metrics, pm.name);
    return pm.lower_is_better ? v : 1.0 - v;
  };
  for (size_t i = 1; i < r.size(); ++i) {
    double rise = error(r[i]) - error(r[i - 1]);
    if (rise > 0) {
      s.monotone = false;
      ++s.rises;
      if (rise > s.largest_rise) {
        s.largest_rise = rise;
        s.largest_rise_at = r[i].depth;
      }
    }
  }
  return s;
}

std::string describe(const ProgressiveSummary& s) {
  std::ostringstream o;
  if (s.monotone) {
    o << "progressive: " << s.metric << " falls monotonically with depth";
  } else {
    o << "not monotone: " << s.metric << " rises at " << s.rises << " depth pair"
      << (s.rises == 1 ? "" : "s") << ", largest rise " << s.largest_rise << " (at depth "
      << s.largest_rise_at << ")";
  }
  return o.str();
}

std::string format_depth_table(const std::vector<DepthResult>& results) {
  if (results.empty()) return "";
  std::ostringstream o;
  char buf[64];
  o << "depth";
  for (const auto& [k, v] : results.front().metrics) {
    std::snprintf(buf, sizeof buf, " %12s", k.c_str());
    o << buf;
  }
  o << "       params   MFLOPs\n";
  for (const auto& r : results) {
    std::snprintf(buf, sizeof buf, "%5lld", static_cast<long long>(r.depth));
    o << buf;
    for (const auto& [k, v] : r.metrics) {
      std::snprintf(buf, sizeof buf, " %12.6g", v);
      o << buf;
    }
    std::snprintf(buf, sizeof buf, " %12lld %8.3f\n", static_cast<long long>(r.params),
                  r.mflops_per_sample);
    o << buf;
  }
  return o.str();
}

}  // namespace lpa
