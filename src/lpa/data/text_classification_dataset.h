// Labelled documents as bytes: from a folder per label (data.root, names mapped through
// data.label_map) or from a CSV with text and label columns (data.csv). Each document keeps its
// first seq_len bytes (of its body, after the first blank line, with data.strip_headers), padded
// with kPadToken; the split is stratified by class and seeded.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

constexpr int64_t kPadToken = 256;  // after the 256 byte values

struct LabelledText {
  std::string text;  // already truncated to seq_len bytes
  std::string label;
};

// Reads the documents a config names. Throws UserError naming the key for missing folders,
// empty label folders, malformed CSV rows, or fewer than two classes.
std::vector<LabelledText> read_labelled_texts(const ExperimentConfig& cfg);

DatasetPtr make_text_classification_dataset(const ExperimentConfig& cfg);

}  // namespace lpa
