// A Transformer whose every block is a depth: lpa's own byte-level model, or a pretrained GPT-2 /
// Llama-family checkpoint (models/pretrained.h). Language model: causal attention, the
// exit at depth l is final norm + LM head (optionally tied to the embedding). Classifier:
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

// Final norm and, unless the LM head is tied to the embedding, a linear projection.
struct TransformerHeadImpl : torch::nn::Module {
  // outputs 0: tied, no projection
  TransformerHeadImpl(int64_t d_model, int64_t outputs, NormKind norm = NormKind::layer, double eps = 1e-5);
  Norm ln{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(TransformerHead);

// What fixes a Transformer's shape beyond its blocks: from lpa's model keys, or from a
// pretrained checkpoint's config.json (models/pretrained.h).
struct TransformerArch {
  BlockArch block;
  int64_t depth = 0;
  int64_t vocabulary = 0;      // token ids the embedding reads; a language model's logits width
  int64_t context = 0;         // positions: the learned table's size, or what rotary was trained to
  bool tied = true;            // language model: the head is the token embedding
  std::string family = "lpa";  // lpa | gpt2 | llama (the Hugging Face model_type it came from)
};

class Transformer : public DepthwiseModel {
 public:
  Transformer(const ModelSection& cfg, const DataSpec& spec);
  // A language model of the given architecture (a pretrained checkpoint's).
  Transformer(const ModelSection& cfg, const DataSpec& spec, const TransformerArch& arch);

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
  const TransformerArch& arch() const { return arch_; }
  // The token embedding [vocabulary, d] and each block (for reading and writing checkpoints).
  torch::Tensor& token_embedding() { return embed_->tokens->weight; }
  torch::Tensor position_embedding() { return embed_->positions ? embed_->positions->weight : torch::Tensor(); }
  TransformerBlockImpl& transformer_block(int64_t l) { return *blocks_.at(l - 1); }
  TransformerHeadImpl& transformer_head(int64_t l) { return *heads_.at(shared_head_ ? 0 : l - 1); }

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
  torch::Tensor pretrained_classifier_stem(torch::Tensor tokens);
  // Rotary angles for t positions from `offset` (empty with learned positions).
  RotaryAngles angles_for(int64_t t, int64_t offset, const torch::Device& device) const;

  struct EmbeddingImpl : torch::nn::Module {
    torch::nn::Embedding tokens{nullptr}, positions{nullptr};  // positions: learned only
    torch::nn::Dropout drop{nullptr};
  };
  TransformerArch arch_;
  bool lm_, causal_, tied_, rotary_, cls_pool_, shared_head_;
  int64_t d_, context_, outputs_;
  int64_t tokens_per_sample_;  // what FLOPs are counted for: the data's sequence
  std::shared_ptr<EmbeddingImpl> embed_;
  std::vector<TransformerBlock> blocks_;
  std::vector<TransformerHead> heads_;
  torch::Tensor allowed_;  // attention mask of the current batch (undefined: all allowed)
  torch::Tensor keep_;     // classifier: [B, T] true where a position is not padding
  RotaryAngles angles_;    // rotary angles of the current batch, shared by every block
};

ModelPtr make_transformer(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
