#pragma once
#include <torch/torch.h>

namespace lpa {

// Identity forward, gradient multiplied by `scale` on the way back: how gradient equilibrium
// turns a block's sum of later exits' gradients into their mean without changing any value.
torch::Tensor scale_gradient(const torch::Tensor& x, double scale);

}  // namespace lpa
