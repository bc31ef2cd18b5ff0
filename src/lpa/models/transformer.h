// A byte-level Transformer whose every block is a depth. Language model: causal attention, the
// exit at depth l is final LayerNorm + LM head (optionally tied to the embedding). Classifier:
// a [CLS] token starts every input, attention is bidirectional (unless model.causal), and the
// exit is final LayerNorm + pooling (mean over non-padding positions, or [CLS]) + linear head.
#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"
#include "lpa/models/transformer_block.h"

namespace lpa {

constexpr int64_t kClsToken = 257;  // classifier inputs: bytes 0..255, padding 256, [CLS] 257

// Keys and values of every block up to the decoding depth, so that each new token costs one
// step of the model rather than a pass over the whole prefix.
struct KvCache {
  std::vector<torch::Tensor> k, v;  // per block: [B, heads, length, head_dim]
  int64_t length = 0;               // tokens cached (decode(); blocks may differ in between)
};

// Positions held by block l's cache (0 when it is empty).
int64_t cached_positions(const KvCache& cache, int64_t l);
// Keeps only the first `length` positions of every block's cache (rejected draft tokens).
void truncate_kv_cache(KvCache& cache, int64_t length);

// Final LayerNorm and, unless the LM head is tied to the embedding, a linear projection.
struct TransformerHeadImpl : torch::nn::Module {
  TransformerHeadImpl(int64_t d_model, int64_t outputs);  // outputs 0: tied, no projection
  torch::nn::LayerNorm ln{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(TransformerHead);

class Transformer : public DepthwiseModel {
 public:
  Transformer(const ModelSection& cfg, const DataSpec& spec);

  int64_t depth() const override { return static_cast<int64_t>(blocks_.size()); }
  std::string kind() const override { return "transformer"; }
  // x: [B, T] token ids. The stem also records the batch's attention mask (and, for the
  // classifier, which positions are padding); block() and head() of the same pass use it.
  torch::Tensor stem(const torch::Tensor& x) override;
  torch::Tensor block(int64_t l, const torch::Tensor& h) override;
  torch::Tensor head(int64_t l, const torch::Tensor& h) override;  // [B, T, V] or [B, classes]
  std::vector<torch::Tensor> heads(const std::vector<int64_t>& depths,
                                   const std::vector<torch::Tensor>& hs) override;
  torch::nn::Module& stem_module() override { return *embed_; }
  torch::nn::Module& block_module(int64_t l) override { return *blocks_.at(l - 1); }
  torch::nn::Module& head_module(int64_t l) override;
  double flops_per_sample(int64_t depth) const override;
  double head_flops_per_sample(int64_t depth) const override;
  void keep_samples(const torch::Tensor& rows) override;

  bool language_model() const { return lm_; }
  int64_t context_length() const { return context_; }  // positions it was trained on

  // Language models: logits [B, t, V] of the model truncated at `depth` for `tokens` [B, t]
  // that continue the sequence held in `cache` (empty to start). Appends to the cache.
  torch::Tensor decode(const torch::Tensor& tokens, int64_t depth, KvCache& cache);

  // The pieces of decode() for self-speculative decoding, where the first blocks run ahead of
  // the others: the embedding of tokens [B, t] at positions offset.., and blocks from..to over
  // hidden states h [B, t, d] at positions offset.., each block attending to its own cache
  // (holding exactly `offset` positions, cache.k sized to depth()) and appending to it.
  torch::Tensor embed_tokens(const torch::Tensor& tokens, int64_t offset);
  torch::Tensor decode_blocks(torch::Tensor h, int64_t from, int64_t to, KvCache& cache, int64_t offset);

 private:
  torch::Tensor embed(const torch::Tensor& tokens, int64_t offset);
  // Rotary angles for t positions from `offset` (empty with learned positions).
  RotaryAngles angles_for(int64_t t, int64_t offset, const torch::Device& device) const;

  struct EmbeddingImpl : torch::nn::Module {
    torch::nn::Embedding tokens{nullptr}, positions{nullptr};  // positions: learned only
    torch::nn::Dropout drop{nullptr};
  };
  bool lm_, causal_, tied_, rotary_, cls_pool_, shared_head_;
  int64_t d_, context_, outputs_;
  double mlp_ratio_;
  std::shared_ptr<EmbeddingImpl> embed_;
  std::vector<TransformerBlock> blocks_;
  std::vector<TransformerHead> heads_;
  torch::Tensor allowed_;  // attention mask of the current batch (undefined: all allowed)
  torch::Tensor keep_;     // classifier: [B, T] true where a position is not padding
  RotaryAngles angles_;    // rotary angles of the current batch, shared by every block
};

ModelPtr make_transformer(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
