// Accumulators of one depth's metrics over batches. State is a flat vector of sums so meters
// can be all-reduced across ranks and merged.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lpa/data/dataset.h"

namespace lpa {

using Metrics = std::vector<std::pair<std::string, double>>;

class Meter {
 public:
  virtual ~Meter() = default;
  virtual void add(const torch::Tensor& prediction, const torch::Tensor& target) = 0;
  virtual Metrics metrics() const = 0;
  virtual std::vector<double>& state() = 0;  // sums; add element-wise to merge
};

std::unique_ptr<Meter> make_meter(Task task, int64_t num_classes);

// Names of the metrics a task reports, in column order.
std::vector<std::string> metric_names(Task task, int64_t num_classes);

// The metric that judges "better" for a task, and its direction:
// regression: mse (lower), classification: accuracy (higher), language model: loss (lower).
struct PrimaryMetric {
  std::string name;
  bool lower_is_better;
};
PrimaryMetric primary_metric(Task task);

double metric_value(const Metrics& m, const std::string& name);  // throws if absent

}  // namespace lpa
