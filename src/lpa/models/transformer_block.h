// One pre-LayerNorm Transformer block: h + Attn(LN(h)), then + MLP(LN(.)) with a GELU MLP.
// Attention is written out (matmul, mask, softmax) so it builds on LibTorch 1.13 and 2.x alike.
#pragma once
#include <torch/torch.h>

namespace lpa {

// Rotary position embedding (RoPE, GPT-NeoX layout: the two halves of each head are rotated
// as pairs). The angles depend only on the positions, so the model computes them once per
// forward pass and every block's queries and keys share them.
struct RotaryAngles {
  torch::Tensor cos, sin;  // [T, head_dim / 2] each, float32
};
// Angles at absolute positions offset .. offset + t - 1.
RotaryAngles rotary_angles(int64_t t, int64_t offset, int64_t head_dim, const torch::Device& device);
// x [B, H, T, head_dim] rotated by angles for its T positions.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryAngles& r);

struct SelfAttentionImpl : torch::nn::Module {
  SelfAttentionImpl(int64_t d_model, int64_t heads, double dropout, bool rotary);
  // x [B, T, d]; `allowed` broadcasts to [B, H, T, S] (true = may attend) or is undefined (all
  // allowed). `angles`: x's rotary angles (used when `rotary`). With a cache, the new
  // keys/values are appended to *k_cache / *v_cache and the queries attend to everything cached.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed, const RotaryAngles& angles,
                        torch::Tensor* k_cache = nullptr, torch::Tensor* v_cache = nullptr);
  int64_t heads, head_dim;
  bool rotary;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::nn::Dropout attn_drop{nullptr};
};
TORCH_MODULE(SelfAttention);

struct TransformerBlockImpl : torch::nn::Module {
  TransformerBlockImpl(int64_t d_model, int64_t heads, double mlp_ratio, double dropout, bool rotary);
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& allowed, const RotaryAngles& angles,
                        torch::Tensor* k_cache = nullptr, torch::Tensor* v_cache = nullptr);
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  SelfAttention attn{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace lpa
