#pragma once
#include <torch/torch.h>

namespace lpa {

// Identity forward, gradient multiplied by `scale` on the way back: how gradient equilibrium
// turns a block's sum of later exits' gradients into their mean without changing any value.
torch::Tensor scale_gradient(const torch::Tensor& x, double scale);

// The same with the factor read in backward from scales[index] (a CPU float64 tensor), and
// divided by instead of multiplied when `divide`: the caller may fill it after the forward
// pass, once the factor is known (loss.head_gradient learns its exits' weights only from the
// losses). No device is waited for.
torch::Tensor scale_gradient_deferred(const torch::Tensor& x, const torch::Tensor& scales, int64_t index,
                                      bool divide = false);

}  // namespace lpa
