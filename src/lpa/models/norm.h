// The normalisation of a pre-norm Transformer: LayerNorm (lpa's own blocks, GPT-2) or RMSNorm
// (Llama, Qwen2, Mistral). One module for both so that a block's parameters keep the names
// `weight` and `bias` whichever it is (checkpoints and exports address them by name).
#pragma once
#include <torch/torch.h>

#include <string>

namespace lpa {

enum class NormKind { layer, rms };

struct NormImpl : torch::nn::Module {
  NormImpl(int64_t dim, NormKind kind, double eps);
  // RMSNorm as Hugging Face's Llama computes it: in float32, x * rsqrt(mean(x^2) + eps), cast
  // back to x's dtype, then times the weight.
  torch::Tensor forward(const torch::Tensor& x);
  NormKind kind;
  double eps;
  torch::Tensor weight, bias;  // bias: LayerNorm only
};
TORCH_MODULE(Norm);

}  // namespace lpa
