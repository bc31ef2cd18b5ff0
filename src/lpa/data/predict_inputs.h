// The inputs `lpa predict` reads, in the form the run's data type gives the model: IDX image
// files (MNIST / Fashion-MNIST, optionally gzip), CIFAR binary files (which carry their labels),
// for text classifiers a text file (one document per line) or a folder (one document per
// file), and for surfaces a CSV of feature columns. Normalised exactly as training's batches.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

struct PredictInputs {
  torch::Tensor x;                  // [N, ...input_shape]: float32 features/pixels or int64 tokens
  torch::Tensor labels;             // int64 [N] when known (CIFAR files, --labels); else undefined
  std::vector<std::string> names;   // one per sample: its index, "line K", or its file
  std::string description;          // for the summary line
};

// `labels_path`: an IDX label file for IDX images ("" = none). UserError, naming the file, for
// a format that does not fit the run's data type, shapes that differ from the model's input,
// or an empty input. Language-model runs have no per-sample prediction: UserError.
PredictInputs read_predict_inputs(const std::string& path, const std::string& labels_path,
                                  const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
