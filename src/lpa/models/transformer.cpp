#include "lpa/models/transformer.h"

#include <cmath>

#include "lpa/data/text_classification_dataset.h"
#include "lpa/errors.h"
#include "lpa/models/pretrained_transformer.h"

namespace lpa {

TransformerHeadImpl::TransformerHeadImpl(int64_t d, int64_t outputs, NormKind norm, double eps) {
  ln = register_module("ln", Norm(d, norm, eps));
  if (outputs > 0)
    proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(d, outputs).bias(false)));
}

namespace {

// lpa's own byte-level model from the model keys.
TransformerArch lpa_arch(const ModelSection& c, const DataSpec& spec) {
  const bool lm = spec.task == Task::language_model;
  TransformerArch a;
  a.block = lpa_block_arch(c.width, c.heads, c.mlp_ratio, c.dropout, c.positions == "rotary");
  a.depth = c.depth;
  a.vocabulary = lm ? spec.output_dim : kClsToken + 1;
  a.context = spec.input_shape.at(0) + (lm ? 0 : 1);
  a.tied = lm && c.tie_weights;
  return a;
}

}  // namespace

Transformer::Transformer(const ModelSection& c, const DataSpec& spec) : Transformer(c, spec, lpa_arch(c, spec)) {}

Transformer::Transformer(const ModelSection& c, const DataSpec& spec, const TransformerArch& a)
    : arch_(a),
      lm_(spec.task == Task::language_model),
      causal_(c.causal),
      tied_(lm_ && a.tied),
      rotary_(a.block.rotary),
      cls_pool_(c.pool == "cls"),
      shared_head_(c.head == "shared"),
      d_(a.block.d_model),
      context_(a.context),
      outputs_(lm_ ? a.vocabulary : spec.output_dim),
      tokens_per_sample_(spec.input_shape.at(0) + (lm_ ? 0 : 1)) {
  if (spec.task == Task::regression) throw UserError("model.type: a transformer reads text data");
  if (c.head == "per_stage") throw UserError("model.head: per_stage heads exist only for resnet");
  if (lm_ && !causal_) throw UserError("model.causal: a language model needs causal attention");
  if (lm_ && spec.output_dim > a.vocabulary)
    throw UserError("data.tokenizer: its " + std::to_string(spec.output_dim) + " token ids do not fit the model's " +
                    std::to_string(a.vocabulary) + "-entry vocabulary");
  embed_ = std::make_shared<EmbeddingImpl>();
  embed_->tokens = embed_->register_module("tokens", torch::nn::Embedding(a.vocabulary, d_));
  if (!rotary_)
    embed_->positions = embed_->register_module("positions", torch::nn::Embedding(context_, d_));
  embed_->drop = embed_->register_module("drop", torch::nn::Dropout(c.dropout));
  register_module("embed", embed_);
  for (int64_t l = 1; l <= a.depth; ++l)
    blocks_.emplace_back(register_module("block" + std::to_string(l), TransformerBlock(a.block)));
  const int64_t n_heads = shared_head_ ? 1 : a.depth;
  for (int64_t i = 0; i < n_heads; ++i)
    heads_.emplace_back(register_module(shared_head_ ? "head" : "head" + std::to_string(i + 1),
                                     TransformerHead(d_, tied_ ? 0 : outputs_, a.block.norm, a.block.norm_eps)));

  // GPT-2 initialisation: N(0, 0.02), zero biases; the projections that write into the residual
  // stream are scaled by 1/sqrt(2 depth) (times model.init_scale) so depth does not blow it up.
  torch::NoGradGuard g;
  const double resid_std = 0.02 * c.init_scale / std::sqrt(2.0 * static_cast<double>(a.depth));
  for (auto& p : named_parameters()) {
    const std::string& name = p.key();
    torch::Tensor& w = p.value();
    const bool residual_out = name.find("attn.proj.weight") != std::string::npos ||
                              name.find("fc2.weight") != std::string::npos;
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) w.zero_();
    else if (w.dim() == 2) w.normal_(0.0, residual_out ? resid_std : 0.02);
  }
}

torch::nn::Module& Transformer::head_module(int64_t l) { return *heads_.at(shared_head_ ? 0 : l - 1); }

torch::Tensor Transformer::embed(const torch::Tensor& tokens, int64_t offset) {
  const int64_t t = tokens.size(1);
  if (!rotary_ && offset + t > context_)
    throw UserError("a sequence of " + std::to_string(offset + t) + " tokens exceeds the " +
                    std::to_string(context_) + " learned positions" +
                    (arch_.family == "lpa" ? " (data.seq_len)" : " of the checkpoint (n_positions)"));
  torch::Tensor h = embed_->tokens->forward(tokens);
  if (!rotary_)
    h = h + embed_->positions->forward(torch::arange(offset, offset + t, tokens.options().dtype(torch::kLong)));
  return embed_->drop->forward(h);
}

RotaryAngles Transformer::angles_for(int64_t t, int64_t offset, const torch::Device& device) const {
  if (!rotary_) return {};
  return rotary_angles(t, offset, arch_.block.head_dim, device, arch_.block.rope_theta, arch_.block.rope_scaling);
}

torch::Tensor Transformer::stem(const torch::Tensor& x) {
  torch::Tensor tokens = x.to(torch::kLong);
  keep_ = torch::Tensor();
  if (lm_) {
    const int64_t t = tokens.size(1);
    allowed_ = torch::ones({t, t}, tokens.options().dtype(torch::kBool)).tril();
    angles_ = angles_for(t, 0, tokens.device());
    return embed(tokens, 0);
  }
  if (arch_.family != "lpa") return pretrained_classifier_stem(tokens);
  // Classifier: drop the padding columns the whole batch shares (documents are padded at the
  // end), then put [CLS] first so that no position ever attends to padding only. Reading the
  // longest document's length is free on the CPU; on an accelerator it would stall the step on
  // a host read, so there every column stays and the padding mask alone hides padding (the
  // same outputs, up to float rounding).
  const int64_t used = tokens.is_cpu() ? tokens.ne(kPadToken).sum(1).max().item<int64_t>() : tokens.size(1);
  tokens = torch::cat({torch::full({tokens.size(0), 1}, kClsToken, tokens.options()),
                       tokens.narrow(1, 0, used)}, 1);
  keep_ = tokens.ne(kPadToken);
  const int64_t b = tokens.size(0), s = tokens.size(1);
  allowed_ = keep_.view({b, 1, 1, s});
  if (causal_) allowed_ = allowed_.logical_and(torch::ones({s, s}, keep_.options()).tril());
  angles_ = angles_for(s, 0, tokens.device());
  return embed(tokens, 0);
}

torch::Tensor Transformer::pretrained_classifier_stem(torch::Tensor tokens) {
  // A pretrained body never saw lpa's [CLS] token: its documents start as they are, padded with
  // kTokenizedPad, which is masked (and embedded as id 0). Each position may attend to itself,
  // so a padding position never has nothing to attend to. Shared padding columns are dropped
  // on the CPU only, as above.
  keep_ = tokens.ge(0);
  const int64_t used = tokens.is_cpu() ? std::max<int64_t>(1, keep_.sum(1).max().item<int64_t>()) : tokens.size(1);
  tokens = tokens.narrow(1, 0, used).clamp_min(0);
  keep_ = keep_.narrow(1, 0, used);
  const int64_t b = tokens.size(0), s = tokens.size(1);
  allowed_ = keep_.view({b, 1, 1, s});
  if (causal_) allowed_ = allowed_.logical_and(torch::ones({s, s}, keep_.options()).tril());
  allowed_ = allowed_.logical_or(torch::eye(s, keep_.options()));
  angles_ = angles_for(s, 0, tokens.device());
  return embed(tokens, 0);
}

void Transformer::keep_samples(const torch::Tensor& rows) {
  // The language model's causal mask is [T, T], shared by every row: nothing to select.
  if (keep_.defined()) keep_ = keep_.index_select(0, rows);
  if (allowed_.defined() && allowed_.dim() == 4) allowed_ = allowed_.index_select(0, rows);
}

torch::Tensor Transformer::block(int64_t l, const torch::Tensor& h) {
  return blocks_.at(l - 1)->forward(h, allowed_, angles_);
}

torch::Tensor Transformer::head(int64_t l, const torch::Tensor& h) {
  auto& hd = heads_.at(shared_head_ ? 0 : l - 1);
  torch::Tensor z = hd->ln->forward(h);
  if (lm_) return tied_ ? torch::nn::functional::linear(z, embed_->tokens->weight) : hd->proj->forward(z);
  torch::Tensor pooled;
  if (cls_pool_) {
    pooled = z.select(1, 0);
  } else {
    torch::Tensor m = keep_.unsqueeze(-1).to(z.dtype());
    pooled = (z * m).sum(1) / m.sum(1).clamp_min(1);  // an empty document pools to zeros
  }
  return hd->proj->forward(pooled);
}

std::vector<torch::Tensor> Transformer::heads(const std::vector<int64_t>& depths,
                                               const std::vector<torch::Tensor>& hs) {
  // A classifier's pooling reads this pass's padding mask, which is per sample: exit by exit.
  if (!shared_head_ || !lm_) return DepthwiseModel::heads(depths, hs);
  return stacked_head(hs, [this](const torch::Tensor& h) { return head(1, h); });
}

torch::Tensor Transformer::decode(const torch::Tensor& tokens, int64_t d, KvCache& cache) {
  if (!lm_) throw std::logic_error("decode() is for language models");
  check_depth(d);
  if (cache.k.empty()) {
    cache.k.assign(d, torch::Tensor());
    cache.v.assign(d, torch::Tensor());
  }
  if (static_cast<int64_t>(cache.k.size()) != d)
    throw std::logic_error("a KV cache serves the depth it was filled at");
  const int64_t offset = cache.length;
  torch::Tensor h = decode_blocks(embed_tokens(tokens, offset), 1, d, cache, offset);
  cache.length += tokens.size(1);
  return head(d, h);
}

torch::Tensor Transformer::embed_tokens(const torch::Tensor& tokens, int64_t offset) {
  return embed(tokens.to(torch::kLong), offset);
}

torch::Tensor Transformer::decode_blocks(torch::Tensor h, int64_t from, int64_t to, KvCache& cache, int64_t offset) {
  if (!lm_) throw std::logic_error("decode_blocks() is for language models");
  if (from < 1 || to > static_cast<int64_t>(cache.k.size()) || from > to)
    throw std::logic_error("decode_blocks: blocks out of the cache's range");
  const int64_t t = h.size(1);
  // New query i sits at offset + i and sees every key up to there; one token sees them all.
  torch::Tensor allowed;
  if (t > 1) allowed = torch::ones({t, offset + t}, h.options().dtype(torch::kBool)).tril(offset);
  const RotaryAngles angles = angles_for(t, offset, h.device());
  for (int64_t l = from; l <= to; ++l) {
    if (cached_positions(cache, l) != offset) throw std::logic_error("decode_blocks: a block's cache is not at the offset");
    h = blocks_[l - 1]->forward(h, allowed, angles, &cache.k[l - 1], &cache.v[l - 1]);
  }
  return h;
}

int64_t cached_positions(const KvCache& cache, int64_t l) {
  const torch::Tensor& k = cache.k.at(l - 1);
  return k.defined() ? k.size(2) : 0;
}

void truncate_kv_cache(KvCache& cache, int64_t length) {
  for (size_t i = 0; i < cache.k.size(); ++i) {
    if (cache.k[i].defined() && cache.k[i].size(2) > length) {
      cache.k[i] = cache.k[i].narrow(2, 0, length);
      cache.v[i] = cache.v[i].narrow(2, 0, length);
    }
  }
  cache.length = std::min(cache.length, length);
}

double Transformer::flops_per_sample(int64_t d) const {
  const BlockArch& b = arch_.block;
  const double t = static_cast<double>(tokens_per_sample_), w = static_cast<double>(d_);
  const double q = static_cast<double>(b.heads * b.head_dim), kv = static_cast<double>(b.kv_heads * b.head_dim);
  const double hidden = static_cast<double>(b.mlp_hidden), mlp_in = b.mlp == MlpKind::swiglu ? 2.0 * hidden : hidden;
  // Per token and block: q, k, v and output projections, the MLP, and attention scores + mixing.
  const double per_block = t * (2.0 * (w * (q + 2.0 * kv) + q * w + w * mlp_in + hidden * w) + 4.0 * t * q);
  return static_cast<double>(d) * per_block + head_flops_per_sample(d);
}

double Transformer::head_flops_per_sample(int64_t) const {
  const double w = static_cast<double>(d_);
  return lm_ ? static_cast<double>(tokens_per_sample_) * 2.0 * w * static_cast<double>(outputs_)
             : 2.0 * w * static_cast<double>(outputs_);
}

ModelPtr make_transformer(const ExperimentConfig& cfg, const DataSpec& spec) {
  if (!cfg.model.pretrained.empty()) return make_pretrained_transformer(cfg, spec);
  return std::make_shared<Transformer>(cfg.model, spec);
}

}  // namespace lpa
