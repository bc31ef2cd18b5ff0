#include "lpa/models/transformer_block.h"

#include <torch/version.h>

#include <cmath>
#include <limits>

namespace lpa {

BlockArch lpa_block_arch(int64_t d, int64_t heads, double mlp_ratio, double dropout, bool rotary) {
  BlockArch a;
  a.d_model = d;
  a.heads = a.kv_heads = heads;
  a.head_dim = d / heads;
  a.mlp_hidden = std::max<int64_t>(1, std::llround(d * mlp_ratio));
  a.dropout = dropout;
  a.rotary = rotary;
  return a;
}

namespace {

torch::Tensor scaled_frequencies(torch::Tensor inv_freq, const RopeScaling& s) {
  if (s.type == "linear") return inv_freq / s.factor;
  if (s.type != "llama3") return inv_freq;
  // As transformers' _compute_llama3_parameters: wavelengths longer than the original
  // context / low_freq_factor are slowed by `factor`, shorter than context / high_freq_factor
  // kept, and those between blended.
  const double low_wavelen = s.original_context / s.low_freq_factor;
  const double high_wavelen = s.original_context / s.high_freq_factor;
  const torch::Tensor wavelen = 2.0 * M_PI / inv_freq;
  const torch::Tensor scaled = torch::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
  const torch::Tensor smooth = (s.original_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  const torch::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  const torch::Tensor medium = wavelen.ge(high_wavelen).logical_and(wavelen.le(low_wavelen));
  return torch::where(medium, smoothed, scaled);
}

}  // namespace

RotaryAngles rotary_angles(int64_t t, int64_t offset, int64_t head_dim, const torch::Device& device, double theta,
                           const RopeScaling& scaling) {
  const int64_t half = head_dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  torch::Tensor inv_freq =
      scaled_frequencies(torch::pow(theta, -torch::arange(0, half, opts) * (2.0 / head_dim)), scaling);
  torch::Tensor angle = torch::outer(torch::arange(offset, offset + t, opts), inv_freq);  // [T, half]
  return {angle.cos(), angle.sin()};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryAngles& r) {
  const int64_t half = x.size(3) / 2;
  torch::Tensor cos = r.cos.to(x.dtype()), sin = r.sin.to(x.dtype());
  torch::Tensor x1 = x.narrow(3, 0, half), x2 = x.narrow(3, half, half);
  return torch::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, 3);
}

SelfAttentionImpl::SelfAttentionImpl(const BlockArch& a)
    : heads(a.heads), kv_heads(a.kv_heads), head_dim(a.head_dim), rotary(a.rotary) {
  const int64_t rows = (heads + 2 * kv_heads) * head_dim;
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(a.d_model, rows).bias(a.qkv_bias)));
  proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(heads * head_dim, a.d_model).bias(a.out_bias)));
  attn_drop = register_module("attn_drop", torch::nn::Dropout(a.dropout));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed,
                                         const RotaryAngles& angles, torch::Tensor* k_cache,
                                         torch::Tensor* v_cache) {
  const int64_t b = x.size(0), t = x.size(1);
  torch::Tensor q, k, v;
  if (kv_heads == heads) {
    // [B, T, 3, H, hd] -> three [B, H, T, hd]
    auto parts = qkv->forward(x).view({b, t, 3, heads, head_dim}).permute({2, 0, 3, 1, 4}).unbind(0);
    q = parts[0], k = parts[1], v = parts[2];
  } else {
    auto parts = qkv->forward(x).split_with_sizes({heads * head_dim, kv_heads * head_dim, kv_heads * head_dim}, -1);
    q = parts[0].view({b, t, heads, head_dim}).transpose(1, 2);
    k = parts[1].view({b, t, kv_heads, head_dim}).transpose(1, 2);
    v = parts[2].view({b, t, kv_heads, head_dim}).transpose(1, 2);
  }
  if (rotary) {
    q = apply_rotary(q, angles);
    k = apply_rotary(k, angles);
  }
  if (k_cache) {
    if (k_cache->defined()) {
      k = torch::cat({*k_cache, k}, 2);
      v = torch::cat({*v_cache, v}, 2);
    }
    *k_cache = k;
    *v_cache = v;
  }
  if (kv_heads != heads) {
    // Each group of heads / kv_heads query heads reads one key/value head (repeat_kv).
    k = k.repeat_interleave(heads / kv_heads, 1);
    v = v.repeat_interleave(heads / kv_heads, 1);
  }
  return proj->forward(attention(q, k, v, allowed).transpose(1, 2).reshape({b, t, heads * head_dim}));
}

torch::Tensor SelfAttentionImpl::attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& allowed) {
#if TORCH_VERSION_MAJOR >= 2
  // LibTorch 2.x: one fused kernel (flash or memory-efficient on a GPU, where the shapes allow),
  // the same softmax(q k^T / sqrt(head_dim), masked) v up to rounding.
  const double p = is_training() ? attn_drop->options.p() : 0.0;
  return at::scaled_dot_product_attention(q, k, v, allowed.defined() ? c10::optional<at::Tensor>(allowed) : c10::nullopt, p,
                                          /*is_causal=*/false);
#else
  torch::Tensor scores = torch::matmul(q, k.transpose(2, 3)) / std::sqrt(static_cast<double>(head_dim));
  if (allowed.defined())
    scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  return torch::matmul(attn_drop->forward(torch::softmax(scores, -1)), v);
#endif
}

TransformerBlockImpl::TransformerBlockImpl(const BlockArch& a) : mlp_kind(a.mlp) {
  const int64_t in_rows = a.mlp == MlpKind::swiglu ? 2 * a.mlp_hidden : a.mlp_hidden;
  ln1 = register_module("ln1", Norm(a.d_model, a.norm, a.norm_eps));
  attn = register_module("attn", SelfAttention(a));
  ln2 = register_module("ln2", Norm(a.d_model, a.norm, a.norm_eps));
  fc1 = register_module("fc1", torch::nn::Linear(torch::nn::LinearOptions(a.d_model, in_rows).bias(a.mlp_bias)));
  fc2 = register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(a.mlp_hidden, a.d_model).bias(a.mlp_bias)));
  drop = register_module("drop", torch::nn::Dropout(a.dropout));
}

torch::Tensor TransformerBlockImpl::mlp(const torch::Tensor& x) {
  torch::Tensor u = fc1->forward(x);
  switch (mlp_kind) {
    case MlpKind::gelu: u = torch::gelu(u); break;
    case MlpKind::gelu_tanh: u = torch::gelu(u, "tanh"); break;
    case MlpKind::swiglu: {
      auto gate_up = u.chunk(2, -1);
      u = torch::silu(gate_up[0]) * gate_up[1];
      break;
    }
  }
  return fc2->forward(u);
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& h, const torch::Tensor& allowed,
                                            const RotaryAngles& angles, torch::Tensor* k_cache,
                                            torch::Tensor* v_cache) {
  torch::Tensor x = h + drop->forward(attn->forward(ln1->forward(h), allowed, angles, k_cache, v_cache));
  return x + drop->forward(mlp(ln2->forward(x)));
}

}  // namespace lpa
