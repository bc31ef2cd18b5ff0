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

struct ScaleGradientDeferred : public torch::autograd::Function<ScaleGradientDeferred> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& scales, int64_t index, bool divide) {
    ctx->saved_data["scales"] = scales;
    ctx->saved_data["index"] = index;
    ctx->saved_data["divide"] = divide;
    return x.view_as(x);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor scales = ctx->saved_data["scales"].toTensor();
    const double scale = scales.data_ptr<double>()[ctx->saved_data["index"].toInt()];
    return {ctx->saved_data["divide"].toBool() ? grads[0] / scale : grads[0] * scale, torch::Tensor(),
            torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor scale_gradient_deferred(const torch::Tensor& x, const torch::Tensor& scales, int64_t index,
                                      bool divide) {
  TORCH_CHECK(scales.device().is_cpu() && scales.scalar_type() == torch::kDouble && scales.is_contiguous(),
              "scale_gradient_deferred: scales must be a contiguous CPU float64 tensor");
  TORCH_CHECK(index >= 0 && index < scales.numel(), "scale_gradient_deferred: index out of range");
  if (!x.requires_grad()) return x;
  return ScaleGradientDeferred::apply(x, scales, index, divide);
}

torch::Tensor scale_gradient(const torch::Tensor& x, double scale) {
  if (scale == 1.0 || !x.requires_grad()) return x;
  return ScaleGradient::apply(x, scale);
}

}  // namespace lpa
