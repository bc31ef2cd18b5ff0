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
  torch::Tensor cuda_rng;      // the training GPU's generator state (undefined on CPU)
  double elapsed_s = 0;        // training wall time so far (train_log's elapsed_s continues)
  torch::Tensor objective;     // Objective::state() (adaptive weights' averages); may be undefined
  torch::Tensor loss_scale;    // fp16: LossScaler::state(); undefined otherwise
};

// checkpoints/step_<step>.pt; keeps the newest `keep`.
std::string save_checkpoint(const std::string& dir, DepthwiseModel& model,
                            torch::optim::Optimizer* optimizer, const TrainingState& state,
                            int64_t keep);

// Complete checkpoint files, newest first.
std::vector<std::string> list_checkpoints(const std::string& dir);
// The step in a checkpoint's file name (".../step_00000123.pt" -> 123), -1 if it is not one.
int64_t checkpoint_step(const std::string& path);

// Loads the newest checkpoint that reads back whole, warning about (and skipping) corrupt or
// foreign ones. nullopt when the folder holds none; UserError when all are unreadable.
// `device`: where tensors land (default: where they were saved).
std::optional<TrainingState> load_latest_checkpoint(const std::string& dir, DepthwiseModel& model,
                                                    torch::optim::Optimizer* optimizer,
                                                    std::string* loaded_path = nullptr,
                                                    c10::optional<torch::Device> device = c10::nullopt);

// One checkpoint file into model (and optimiser); throws (std::exception) if it does not read
// back whole, is not an lpa checkpoint, or holds another model.
TrainingState load_checkpoint(const std::string& file, DepthwiseModel& model,
                              torch::optim::Optimizer* optimizer,
                              c10::optional<torch::Device> device = c10::nullopt);

// Restores LibTorch's global RNGs from a TrainingState (after the model/optimiser load).
void restore_rng(const TrainingState& state, const torch::Device& device = torch::kCPU);
torch::Tensor capture_rng();
torch::Tensor capture_cuda_rng(const torch::Device& device);  // undefined unless device is CUDA

// Deletes temporary files a process killed mid-save left behind (never a complete checkpoint).
void remove_partial_checkpoints(const std::string& dir);

}  // namespace lpa
