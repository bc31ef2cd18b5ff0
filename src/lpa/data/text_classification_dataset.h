// Labelled documents as bytes (or data.tokenizer's tokens): from a folder per label (data.root,
// names mapped through data.label_map) or from a CSV with text and label columns (data.csv).
// Each document keeps its first seq_len bytes or tokens (of its body, after the first blank
// line, with data.strip_headers), padded with kPadToken (kTokenizedPad); the split is
// stratified by class and seeded.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

constexpr int64_t kPadToken = 256;  // after the 256 byte values
// Padding of tokenized documents (data.tokenizer): no token id, so a pretrained model's whole
// vocabulary stays usable; the model masks it and embeds it as id 0.
constexpr int64_t kTokenizedPad = -1;

struct LabelledText {
  std::string text;  // already truncated to seq_len bytes
  std::string label;
};

// Reads the documents a config names. Throws UserError naming the key for missing folders,
// empty label folders, malformed CSV rows, or fewer than two classes.
std::vector<LabelledText> read_labelled_texts(const ExperimentConfig& cfg);

DatasetPtr make_text_classification_dataset(const ExperimentConfig& cfg);

// The bytes of a document that can reach the model: data.seq_len, or with a tokenizer
// kTokenizedBytesPerToken x data.seq_len (its first seq_len tokens come from them).
int64_t document_bytes(const DataSection& d);
constexpr int64_t kTokenizedBytesPerToken = 16;

// The part of a document the model reads: its first document_bytes(d) bytes (after the mail
// headers with data.strip_headers).
std::string document_content(const DataSection& d, const std::string& text);

// Documents (each at most `seq_len` bytes) as the model's input: int64 [n, seq_len], the bytes
// then kPadToken.
torch::Tensor encode_documents(const std::vector<std::string>& texts, int64_t seq_len);
// The same through data.tokenizer: bytes as above, or each document's first seq_len token ids
// then kTokenizedPad.
torch::Tensor encode_documents(const std::vector<std::string>& texts, const DataSection& d);

}  // namespace lpa
