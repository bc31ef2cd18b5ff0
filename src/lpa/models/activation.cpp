#include "lpa/models/activation.h"

#include "lpa/errors.h"

namespace lpa {

torch::Tensor apply_activation(const std::string& name, const torch::Tensor& x) {
  if (name == "relu") return torch::relu(x);
  if (name == "gelu") return torch::gelu(x);
  if (name == "tanh") return torch::tanh(x);
  if (name == "silu") return torch::silu(x);
  throw UserError("unknown activation '" + name + "'");
}

}  // namespace lpa
