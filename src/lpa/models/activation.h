#pragma once
#include <torch/torch.h>

#include <string>

namespace lpa {

// relu | gelu | tanh | silu (names validated by the config schema).
torch::Tensor apply_activation(const std::string& name, const torch::Tensor& x);

}  // namespace lpa
