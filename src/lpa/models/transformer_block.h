// One pre-norm Transformer block: h + Attn(Norm(h)), then + MLP(Norm(.)). BlockArch says which
// variant: lpa's own (LayerNorm, GELU, biases), GPT-2's (GELU with tanh), or the Llama family's
// (RMSNorm, SwiGLU, grouped-query attention, rotary positions with the checkpoint's theta).
// Attention runs LibTorch 2.x's scaled_dot_product_attention, or the written-out form on 1.13.
#pragma once
#include <torch/torch.h>

#include <string>

#include "lpa/models/norm.h"

namespace lpa {

enum class MlpKind { gelu, gelu_tanh, swiglu };

// Rotary frequencies stretched for long contexts (config.json's rope_scaling): "linear"
// divides every frequency by `factor`; "llama3" (Llama 3.1+) divides the low frequencies, keeps
// the high ones and blends those between.
struct RopeScaling {
  std::string type = "default";  // default | linear | llama3
  double factor = 1.0, low_freq_factor = 1.0, high_freq_factor = 4.0;
  double original_context = 8192.0;
};

struct BlockArch {
  int64_t d_model = 0;
  int64_t heads = 1;
  int64_t kv_heads = 1;       // < heads: grouped-query attention (keys and values shared)
  int64_t head_dim = 0;
  int64_t mlp_hidden = 0;     // the MLP's inner width (SwiGLU: of each of gate and up)
  NormKind norm = NormKind::layer;
  double norm_eps = 1e-5;
  MlpKind mlp = MlpKind::gelu;
  bool qkv_bias = true, out_bias = true, mlp_bias = true;
  bool rotary = false;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  double dropout = 0.0;
};

// lpa's own block: LayerNorm, GELU MLP of round(d * mlp_ratio), every projection biased.
BlockArch lpa_block_arch(int64_t d_model, int64_t heads, double mlp_ratio, double dropout, bool rotary);

// Rotary position embedding (RoPE, GPT-NeoX / Llama layout: the two halves of each head are
// rotated as pairs). The angles depend only on the positions, so the model computes them once
// per forward pass and every block's queries and keys share them.
struct RotaryAngles {
  torch::Tensor cos, sin;  // [T, head_dim / 2] each, float32
};
// Angles at absolute positions offset .. offset + t - 1: position p, pair i turns by
// p * theta^(-2i / head_dim).
RotaryAngles rotary_angles(int64_t t, int64_t offset, int64_t head_dim, const torch::Device& device,
                           double theta = 10000.0, const RopeScaling& scaling = {});
// x [B, H, T, head_dim] rotated by angles for its T positions.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryAngles& r);

struct SelfAttentionImpl : torch::nn::Module {
  explicit SelfAttentionImpl(const BlockArch& arch);
  // x [B, T, d]; `allowed` broadcasts to [B, H, T, S] (true = may attend) or is undefined (all
  // allowed). `angles`: x's rotary angles (used when `rotary`). With a cache, the new
  // keys/values are appended to *k_cache / *v_cache ([B, kv_heads, S, head_dim]) and the
  // queries attend to everything cached.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed, const RotaryAngles& angles,
                        torch::Tensor* k_cache = nullptr, torch::Tensor* v_cache = nullptr);
  // softmax(q k^T / sqrt(head_dim), `allowed` masked) v over [B, H, T, hd] / [B, H, S, hd]:
  // scaled_dot_product_attention where LibTorch has it (2.x), written out on 1.13.
  torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& allowed);
  int64_t heads, kv_heads, head_dim;
  bool rotary;
  // qkv: the rows of the query, key and value projections stacked ([H + 2 KV] x head_dim rows).
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::nn::Dropout attn_drop{nullptr};
};
TORCH_MODULE(SelfAttention);

struct TransformerBlockImpl : torch::nn::Module {
  explicit TransformerBlockImpl(const BlockArch& arch);
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& allowed, const RotaryAngles& angles,
                        torch::Tensor* k_cache = nullptr, torch::Tensor* v_cache = nullptr);
  torch::Tensor mlp(const torch::Tensor& x);
  MlpKind mlp_kind;
  Norm ln1{nullptr}, ln2{nullptr};
  SelfAttention attn{nullptr};
  // fc1: the MLP's input projection (SwiGLU: gate rows, then up rows); fc2: its output.
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace lpa
