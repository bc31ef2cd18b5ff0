#include "lpa/train/capturable_optimizer.h"

#include <stdexcept>
#include <type_traits>

namespace lpa {
namespace {

namespace o = torch::optim;

// The key torch::optim's state map files a parameter under: its TensorImpl's address, as a
// string in LibTorch 1.13, as the pointer itself in later versions.
template <typename Map>
typename Map::key_type state_key(const Map&, const torch::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>)
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  else
    return static_cast<Key>(p.unsafeGetTensorImpl());
}

template <typename State>
State& state_of(o::Optimizer& opt, const torch::Tensor& p) {
  auto it = opt.state().find(state_key(opt.state(), p));
  if (it == opt.state().end())
    throw std::logic_error("cuda_graph: a parameter has no optimiser state yet (an eager step creates it)");
  return static_cast<State&>(*it->second);
}

}  // namespace

CapturableOptimizer::CapturableOptimizer(o::Optimizer& optimizer, const torch::Device& device)
    : kind_(Kind::adam), opt_(optimizer) {
  if (opt_.param_groups().size() != 1) throw std::logic_error("cuda_graph: one parameter group expected");
  auto& options = opt_.param_groups()[0].options();
  // Adam's and AdamW's options are two classes with the same fields.
  auto read_adam = [this](const auto& a) {
    if (a.amsgrad()) throw std::logic_error("cuda_graph: amsgrad is not supported");
    std::tie(beta1_, beta2_) = a.betas();
    eps_ = a.eps();
    weight_decay_ = a.weight_decay();
  };
  if (dynamic_cast<o::Adam*>(&opt_)) {
    read_adam(static_cast<o::AdamOptions&>(options));
  } else if (dynamic_cast<o::AdamW*>(&opt_)) {
    kind_ = Kind::adamw;
    read_adam(static_cast<o::AdamWOptions&>(options));
  } else if (dynamic_cast<o::SGD*>(&opt_)) {
    kind_ = Kind::sgd;
    auto& s = static_cast<o::SGDOptions&>(options);
    momentum_ = s.momentum();
    dampening_ = s.dampening();
    weight_decay_ = s.weight_decay();
    nesterov_ = s.nesterov();
  } else {
    throw std::logic_error("cuda_graph: the optimiser is not adam, adamw or sgd");
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kDouble).device(device);
  lr_ = torch::zeros({}, f64);
  step_ = torch::zeros({}, f64);
}

int64_t CapturableOptimizer::host_step(const torch::Tensor& p) const {
  if (kind_ == Kind::adam) return state_of<o::AdamParamState>(opt_, p).step();
  if (kind_ == Kind::adamw) return state_of<o::AdamWParamState>(opt_, p).step();
  return 0;
}

void CapturableOptimizer::prepare(double lr, const std::vector<torch::Tensor>& params) {
  lr_.fill_(lr);
  if (kind_ == Kind::sgd || params.empty()) return;
  const int64_t count = host_step(params.front());
  for (const auto& p : params)
    if (host_step(p) != count)
      throw std::logic_error("cuda_graph: the captured parameters are at different optimiser step counts");
  step_.fill_(static_cast<double>(count + 1));
}

void CapturableOptimizer::update(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  if (kind_ == Kind::sgd) {
    for (const auto& p : params) {
      torch::Tensor d_p = p.grad();
      if (weight_decay_ != 0) d_p = d_p.add(p, weight_decay_);
      if (momentum_ != 0) {
        torch::Tensor& buf = state_of<o::SGDParamState>(opt_, p).momentum_buffer();
        buf.mul_(momentum_).add_(d_p, 1 - dampening_);
        d_p = nesterov_ ? d_p.add(buf, momentum_) : buf;
      }
      p.sub_(d_p * lr_);
    }
    return;
  }
  // Bias corrections from the device step count; the scalars stay float64 0-dim tensors, which
  // the float32 operations below read as they would read a host double.
  const torch::Tensor correction1 = 1 - torch::pow(beta1_, step_);
  const torch::Tensor correction2_sqrt = (1 - torch::pow(beta2_, step_)).sqrt();
  const torch::Tensor step_size = lr_ / correction1;
  const torch::Tensor decay = 1 - lr_ * weight_decay_;
  for (const auto& p : params) {
    torch::Tensor grad = p.grad();
    torch::Tensor *exp_avg, *exp_avg_sq;
    if (kind_ == Kind::adam) {
      auto& st = state_of<o::AdamParamState>(opt_, p);
      exp_avg = &st.exp_avg();
      exp_avg_sq = &st.exp_avg_sq();
      if (weight_decay_ != 0) grad = grad.add(p, weight_decay_);
    } else {
      auto& st = state_of<o::AdamWParamState>(opt_, p);
      exp_avg = &st.exp_avg();
      exp_avg_sq = &st.exp_avg_sq();
      if (weight_decay_ != 0) p.mul_(decay);
    }
    exp_avg->mul_(beta1_).add_(grad, 1 - beta1_);
    exp_avg_sq->mul_(beta2_).addcmul_(grad, grad, 1 - beta2_);
    const torch::Tensor denom = (exp_avg_sq->sqrt() / correction2_sqrt).add_(eps_);
    p.sub_(*exp_avg / denom * step_size);
  }
}

void CapturableOptimizer::finish(const std::vector<torch::Tensor>& params) {
  for (const auto& p : params) {
    if (kind_ == Kind::adam) {
      auto& st = state_of<o::AdamParamState>(opt_, p);
      st.step(st.step() + 1);
    } else if (kind_ == Kind::adamw) {
      auto& st = state_of<o::AdamWParamState>(opt_, p);
      st.step(st.step() + 1);
    }
  }
}

}  // namespace lpa
