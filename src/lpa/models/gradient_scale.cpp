#include "lpa/models/gradient_scale.h"

namespace lpa {
namespace {

struct ScaleGradient : public torch::autograd::Function<ScaleGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               double scale) {
    ctx->saved_data["scale"] = scale;
    return x.view_as(x);  // a new autograd node; the values are x's own
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const double scale = ctx->saved_data["scale"].toDouble();
    return {grads[0] * scale, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor scale_gradient(const torch::Tensor& x, double scale) {
  if (scale == 1.0 || !x.requires_grad()) return x;
  return ScaleGradient::apply(x, scale);
}

}  // namespace lpa
