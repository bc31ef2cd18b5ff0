#include "lpa/models/norm.h"

namespace lpa {

NormImpl::NormImpl(int64_t dim, NormKind k, double e) : kind(k), eps(e) {
  weight = register_parameter("weight", torch::ones({dim}));
  if (kind == NormKind::layer) bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  if (kind == NormKind::layer) return torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
  torch::Tensor f = x.to(torch::kFloat);
  f = f * torch::rsqrt(f.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * f.to(x.scalar_type());
}

}  // namespace lpa
