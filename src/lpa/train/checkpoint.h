// Checkpoints: model, optimiser, step/epoch, data order and RNG state in one LibTorch archive,
// written to a temporary name, fsynced and renamed, so a file named step_*.pt is complete.
#pragma once
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "lpa/models/depthwise_model.h"

namespace lpa {

struct TrainingState {
  int64_t step = 0;            // optimiser steps done
  int64_t sampler_epoch = 0;   // data order position (BatchSampler::seek)
  int64_t sampler_position = 0;
  torch::Tensor cpu_rng;       // LibTorch's default CPU generator state
};

// checkpoints/step_<step>.pt; keeps the newest `keep`.
std::string save_checkpoint(const std::string& dir, DepthwiseModel& model,
                            torch::optim::Optimizer* optimizer, const TrainingState& state,
                            int64_t keep);

// Complete checkpoint files, newest first.
std::vector<std::string> list_checkpoints(const std::string& dir);

// Loads the newest checkpoint that reads back whole, warning about (and skipping) corrupt or
// foreign ones. nullopt when the folder holds none; UserError when all are unreadable.
std::optional<TrainingState> load_latest_checkpoint(const std::string& dir, DepthwiseModel& model,
                                                    torch::optim::Optimizer* optimizer,
                                                    std::string* loaded_path = nullptr);

// Restores LibTorch's global RNG from a TrainingState (after the model/optimiser load).
void restore_rng(const TrainingState& state);
torch::Tensor capture_rng();

}  // namespace lpa
