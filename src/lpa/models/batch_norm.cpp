#include "lpa/models/batch_norm.h"

namespace lpa {
namespace {

// The sum over processes of a tensor every process computes from its own shard: forward and
// backward are the same all-reduce (each process's loss depends on every shard's sums).
class AllReduceSum : public torch::autograd::Function<AllReduceSum> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const TensorAllReduce* reduce) {
    ctx->saved_data["reduce"] = reinterpret_cast<int64_t>(reduce);
    std::vector<torch::Tensor> t = {x.detach().clone().contiguous()};
    (*reduce)(t);
    return t[0];
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto* reduce = reinterpret_cast<const TensorAllReduce*>(ctx->saved_data["reduce"].toInt());
    std::vector<torch::Tensor> t = {grad[0].contiguous().clone()};
    (*reduce)(t);
    return {t[0], torch::Tensor()};
  }
};

}  // namespace

torch::Tensor all_reduce_sum(const torch::Tensor& x, const TensorAllReduce& reduce) {
  return AllReduceSum::apply(x, &reduce);
}

torch::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, const BatchNormSync& sync) {
  if (!sync.all_reduce_sum || !bn.is_training()) return bn.forward(x);
  const int64_t c = x.size(1);
  const std::vector<int64_t> dims = {0, 2, 3};
  const auto per_channel = [&](const torch::Tensor& t) { return t.view({1, c, 1, 1}); };
  // Two passes (mean, then the centred squares), as a single process's batch_norm is exact.
  torch::Tensor count = torch::full({1}, static_cast<double>(x.numel() / c), x.options());
  torch::Tensor sums = all_reduce_sum(torch::cat({x.sum(dims), count}), sync.all_reduce_sum);
  const torch::Tensor n = sums.narrow(0, c, 1);
  const torch::Tensor mean = sums.narrow(0, 0, c) / n;
  const torch::Tensor centred = x - per_channel(mean);
  const torch::Tensor var = all_reduce_sum(centred.pow(2).sum(dims), sync.all_reduce_sum) / n;
  const double eps = bn.options.eps();
  torch::Tensor y = centred * per_channel((var + eps).rsqrt());
  if (bn.options.affine()) y = y * per_channel(bn.weight) + per_channel(bn.bias);
  if (bn.options.track_running_stats()) {
    torch::NoGradGuard g;
    bn.num_batches_tracked.add_(1);
    // momentum unset: the cumulative average, as torch::nn::BatchNorm2d keeps it.
    const auto momentum = bn.options.momentum();
    const double m = momentum ? *momentum : 1.0 / bn.num_batches_tracked.item<double>();
    // The running variance is the unbiased one; the factor stays on the device (no host sync).
    const torch::Tensor unbiased = var.detach() * (n / (n - 1).clamp_min(1));
    bn.running_mean.mul_(1 - m).add_(mean.detach() * m);
    bn.running_var.mul_(1 - m).add_(unbiased * m);
  }
  return y;
}

}  // namespace lpa
