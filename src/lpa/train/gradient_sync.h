// How a data-parallel step averages gradients, as the trainer sees it: armed before backward,
// finished after it. The implementation (dist/gradient_reducer) starts all-reducing buckets
// from gradient hooks while backward still runs.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

namespace lpa {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  // Called right before loss.backward(): from now on, gradients arriving for the parameters are
  // packed into buckets and each full bucket's all-reduce starts at once. Parameters the loss's
  // graph does not reach count as arrived (zero) from the start, so they hold no bucket back.
  virtual void before_backward(const torch::Tensor& loss) = 0;
  // Called after backward: starts what is left (gradients that never arrived count as zero),
  // waits for every bucket and leaves each parameter's gradient defined and averaged over the
  // ranks.
  virtual void after_backward() = 0;
};

// Makes the synchronisation for one fixed list of parameters (the same list, in the same order,
// on every rank); the trainer makes a new one when the list changes (sequential stages).
using GradientSyncFactory = std::function<std::unique_ptr<GradientSync>(const std::vector<torch::Tensor>& params)>;

}  // namespace lpa
