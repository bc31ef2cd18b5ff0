#include "lpa/models/transformer_block.h"

#include <cmath>
#include <limits>

namespace lpa {

RotaryAngles rotary_angles(int64_t t, int64_t offset, int64_t head_dim, const torch::Device& device) {
  const int64_t half = head_dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  torch::Tensor inv_freq = torch::pow(10000.0, -torch::arange(0, half, opts) * (2.0 / head_dim));
  torch::Tensor angle = torch::outer(torch::arange(offset, offset + t, opts), inv_freq);  // [T, half]
  return {angle.cos(), angle.sin()};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryAngles& r) {
  const int64_t half = x.size(3) / 2;
  torch::Tensor cos = r.cos.to(x.dtype()), sin = r.sin.to(x.dtype());
  torch::Tensor x1 = x.narrow(3, 0, half), x2 = x.narrow(3, half, half);
  return torch::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, 3);
}

SelfAttentionImpl::SelfAttentionImpl(int64_t d, int64_t h, double dropout, bool rot)
    : heads(h), head_dim(d / h), rotary(rot) {
  qkv = register_module("qkv", torch::nn::Linear(d, 3 * d));
  proj = register_module("proj", torch::nn::Linear(d, d));
  attn_drop = register_module("attn_drop", torch::nn::Dropout(dropout));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed,
                                         const RotaryAngles& angles, torch::Tensor* k_cache,
                                         torch::Tensor* v_cache) {
  const int64_t b = x.size(0), t = x.size(1);
  // [B, T, 3, H, hd] -> three [B, H, T, hd]
  auto parts = qkv->forward(x).view({b, t, 3, heads, head_dim}).permute({2, 0, 3, 1, 4}).unbind(0);
  torch::Tensor q = parts[0], k = parts[1], v = parts[2];
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
  torch::Tensor scores = torch::matmul(q, k.transpose(2, 3)) / std::sqrt(static_cast<double>(head_dim));
  if (allowed.defined())
    scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  torch::Tensor att = attn_drop->forward(torch::softmax(scores, -1));
  torch::Tensor y = torch::matmul(att, v).transpose(1, 2).reshape({b, t, heads * head_dim});
  return proj->forward(y);
}

TransformerBlockImpl::TransformerBlockImpl(int64_t d, int64_t heads, double mlp_ratio, double dropout,
                                           bool rotary) {
  const int64_t hidden = std::max<int64_t>(1, std::llround(d * mlp_ratio));
  ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  attn = register_module("attn", SelfAttention(d, heads, dropout, rotary));
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  fc1 = register_module("fc1", torch::nn::Linear(d, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, d));
  drop = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& h, const torch::Tensor& allowed,
                                            const RotaryAngles& angles, torch::Tensor* k_cache,
                                            torch::Tensor* v_cache) {
  torch::Tensor x = h + drop->forward(attn->forward(ln1->forward(h), allowed, angles, k_cache, v_cache));
  return x + drop->forward(fc2->forward(torch::gelu(fc1->forward(ln2->forward(x)))));
}

}  // namespace lpa
