#pragma once
#include <torch/torch.h>

#include <string>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/io/run_dir.h"
#include "lpa/models/depthwise_model.h"

namespace lpa::cli {

// A trained run read back: its config, data, and model with the newest checkpoint's weights.
struct LoadedRun {
  RunDir dir;
  ExperimentConfig cfg;
  DatasetPtr data;
  ModelPtr model;
  torch::Device device = torch::kCPU;
  std::string checkpoint;
};

LoadedRun load_trained_run(const std::string& path, const std::string& device_override = "");

// Rebuilds the model a config describes (seeded like training) without weights.
ModelPtr build_model(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa::cli
