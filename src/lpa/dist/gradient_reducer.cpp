#include "lpa/dist/gradient_reducer.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

#include <unordered_set>

namespace lpa::dist {
namespace {

// Every node of the autograd graph under `loss`; a parameter is reached when its gradient
// accumulator is among them.
std::unordered_set<const torch::autograd::Node*> graph_nodes(const torch::Tensor& loss) {
  std::unordered_set<const torch::autograd::Node*> seen;
  std::vector<torch::autograd::Node*> stack;
  if (auto f = loss.grad_fn()) {
    seen.insert(f.get());
    stack.push_back(f.get());
  }
  while (!stack.empty()) {
    torch::autograd::Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next_edges()) {
      torch::autograd::Node* f = e.function.get();
      if (f && seen.insert(f).second) stack.push_back(f);
    }
  }
  return seen;
}

}  // namespace

GradientReducer::GradientReducer(Communicator& comm, std::vector<torch::Tensor> params, int64_t bucket_bytes)
    : comm_(comm), params_(std::move(params)), slots_(params_.size()) {
  // Reverse order: backward reaches the last blocks and heads first, so their bucket fills first.
  int64_t used = 0;  // bytes in the bucket being filled
  for (size_t k = params_.size(); k-- > 0;) {
    const torch::Tensor& p = params_[k];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    bool fits = false;
    if (!buckets_.empty()) {
      const torch::Tensor& first = params_[buckets_.back().params.front()];
      fits = first.scalar_type() == p.scalar_type() && first.device() == p.device() && used + bytes <= bucket_bytes;
    }
    if (!fits) {
      buckets_.emplace_back();
      used = 0;
    }
    buckets_.back().params.push_back(k);
    used += bytes;
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    int64_t offset = 0;
    for (size_t k : bucket.params) {
      slots_[k] = {b, offset, params_[k].numel(), false};
      offset += params_[k].numel();
    }
    bucket.flat = torch::zeros({offset}, params_[bucket.params.front()].options().requires_grad(false));
  }
  hooks_.reserve(params_.size());
  for (size_t k = 0; k < params_.size(); ++k)
    hooks_.push_back(params_[k].register_hook([this, k](const torch::Tensor& grad) { on_gradient(k, grad); }));
}

GradientReducer::~GradientReducer() {
  for (size_t k = 0; k < hooks_.size(); ++k) params_[k].remove_hook(hooks_[k]);
}

void GradientReducer::before_backward(const torch::Tensor& loss) {
  const auto reached = graph_nodes(loss);
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& b : buckets_) {
    b.flat.zero_();
    b.waiting = b.params.size();
    b.late = false;
    b.pending.reset();
  }
  for (auto& s : slots_) s.arrived = false;
  next_to_start_ = 0;
  started_during_backward_ = 0;
  armed_ = true;
  for (size_t k = 0; k < params_.size(); ++k) {
    auto accumulator = torch::autograd::impl::try_get_grad_accumulator(params_[k]);
    if (accumulator && reached.count(accumulator.get()) > 0) continue;
    slots_[k].arrived = true;  // stays zero in its bucket
    --buckets_[slots_[k].bucket].waiting;
  }
  start_ready_buckets();
}

void GradientReducer::on_gradient(size_t param, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_) return;
  Slot& s = slots_[param];
  Bucket& b = buckets_[s.bucket];
  if (b.pending) {  // already on the wire: after_backward reduces this bucket again
    b.late = true;
    return;
  }
  torch::NoGradGuard no_grad;
  auto view = b.flat.narrow(0, s.offset, s.numel);
  // A parameter used twice in separate backward passes (a re-entrant recomputation) adds up.
  if (s.arrived) view.add_(grad.reshape({-1}));
  else view.copy_(grad.reshape({-1}));
  if (!s.arrived) {
    s.arrived = true;
    --b.waiting;
  }
  if (b.waiting == 0) start_ready_buckets();
}

void GradientReducer::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].waiting == 0) {
    start(buckets_[next_to_start_++]);
    ++started_during_backward_;
  }
}

void GradientReducer::start(Bucket& b) { b.pending = comm_.all_reduce_sum_async(b.flat); }

void GradientReducer::after_backward() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
  // The rest in order; a gradient that never arrived (a block layer dropout skipped, an exit
  // not computed) stays zero, so every rank reduces the same buckets.
  for (; next_to_start_ < buckets_.size(); ++next_to_start_) start(buckets_[next_to_start_]);
  torch::NoGradGuard no_grad;
  const double scale = 1.0 / static_cast<double>(comm_.world_size());
  for (auto& b : buckets_) {
    b.pending->wait();
    b.pending.reset();
    if (b.late) {
      // Rebuilt from the parameters' own (complete, local) gradients and reduced again; every
      // rank runs the same graph, so every rank does this for the same buckets.
      for (size_t k : b.params) {
        const Slot& s = slots_[k];
        auto view = b.flat.narrow(0, s.offset, s.numel);
        if (params_[k].grad().defined()) view.copy_(params_[k].grad().reshape({-1}));
        else view.zero_();
      }
      comm_.all_reduce_sum_async(b.flat)->wait();
    }
    b.flat.mul_(scale);
    for (size_t k : b.params) {
      torch::Tensor& p = params_[k];
      const Slot& s = slots_[k];
      auto mean = b.flat.narrow(0, s.offset, s.numel).view(p.sizes());
      if (p.grad().defined()) p.mutable_grad().copy_(mean);
      else p.mutable_grad() = mean.clone();
    }
  }
}

}  // namespace lpa::dist
