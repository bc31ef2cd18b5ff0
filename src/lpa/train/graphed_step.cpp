#include "lpa/train/graphed_step.h"

namespace lpa {
namespace {

bool same_shape(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.defined() != b.defined()) return false;
  return !a.defined() || (a.sizes() == b.sizes() && a.dtype() == b.dtype() && a.device() == b.device());
}

torch::Tensor copy_of(const torch::Tensor& t) { return t.defined() ? t.detach().clone() : t; }

}  // namespace

bool GraphedStep::ready(int kind, const Batch& b) const {
  auto it = graphs_.find(kind);
  return it != graphs_.end() && same_shape(it->second.inputs.x, b.x) && same_shape(it->second.inputs.y, b.y);
}

void GraphedStep::capture(int kind, const Batch& b, const std::function<LossOutput(const Batch&)>& body) {
  Captured c;
  c.graph = std::make_unique<CudaGraph>();
  c.inputs = {copy_of(b.x), copy_of(b.y)};
  c.graph->capture(device_, [&] { c.outputs = body(c.inputs); });
  graphs_[kind] = std::move(c);  // replaces a graph of another shape
}

LossOutput GraphedStep::replay(int kind, const Batch& b) {
  Captured& c = graphs_.at(kind);
  if (b.x.defined()) c.inputs.x.copy_(b.x, /*non_blocking=*/true);
  if (b.y.defined()) c.inputs.y.copy_(b.y, /*non_blocking=*/true);
  c.graph->replay();
  LossOutput out = c.outputs;
  out.total = copy_of(out.total);
  out.per_depth = copy_of(out.per_depth);
  out.computed_losses = copy_of(out.computed_losses);
  return out;
}

}  // namespace lpa
