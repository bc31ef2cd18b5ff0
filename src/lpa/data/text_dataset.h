// Language-model data: the corpus is one sequence of tokens — its bytes (vocabulary 256), or
// the ids of data.tokenizer (a BPE tokenizer: text/tokenizer.h; documents apart by its
// end-of-text token); validation and test are contiguous ranges at seeded positions, training
// is what is left. A sample is a window of seq_len + 1 tokens: x = its first seq_len, y = its
// last seq_len.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

constexpr int64_t kByteVocabulary = 256;

// [begin, end) in tokens (bytes) of the corpus.
struct ByteRange {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};

class TextDataset : public Dataset {
 public:
  // `corpus` is the concatenated bytes; `split_seed` places the held-out ranges.
  TextDataset(std::string corpus, int64_t seq_len, double val_fraction, double test_fraction,
              uint64_t split_seed, std::string origin);
  // A tokenized corpus: `tokens` int32 [n] of ids below `vocabulary`; `unit` names them in
  // describe() ("BPE tokens").
  TextDataset(torch::Tensor tokens, int64_t vocabulary, std::string unit, int64_t seq_len, double val_fraction,
              double test_fraction, uint64_t split_seed, std::string origin);

  DataSpec spec() const override;
  // Number of non-overlapping windows (stride seq_len): an epoch of training sees as many.
  int64_t size(Split s) const override;
  // Training with augment: windows at uniformly random offsets (LibTorch's global generator),
  // never crossing into a held-out range. Otherwise window i of the fixed tiling.
  Batch get(Split s, const torch::Tensor& indices, bool augment) const override;
  std::string describe() const override;

  const std::vector<ByteRange>& ranges(Split s) const { return ranges_[static_cast<int>(s)]; }
  int64_t corpus_bytes() const { return tokens_.size(0); }  // tokens, for a tokenized corpus

 protected:
  std::vector<torch::Tensor*> sample_tensors() override { return {&tokens_}; }

 private:
  int64_t window_start(Split s, int64_t tile) const;
  int64_t random_train_start(int64_t u) const;

  void split(uint64_t split_seed, double val_fraction, double test_fraction);

  torch::Tensor tokens_;  // uint8 [n] (bytes) or int32 [n] (token ids)
  int64_t vocabulary_;
  std::string unit_;      // "bytes" or the tokenizer's tokens
  int64_t seq_len_;
  std::vector<ByteRange> ranges_[3];
  std::string origin_;
};

// The DataSpec of a language-model config, without reading the corpus (generation needs
// only this; a tokenizer is read for its vocabulary size).
DataSpec text_lm_spec(const ExperimentConfig& cfg);

DatasetPtr make_text_dataset(const ExperimentConfig& cfg);

}  // namespace lpa
