// `lpa eval --save-outputs FILE`: the first samples of a split with their targets and the
// model's outputs, as safetensors, so other tools (tests/python) can compare predictions.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "lpa/data/dataset.h"

namespace lpa::cli {

// Tensors: inputs, targets, and outputs_d<k> for each (k, forward) pair; forward maps a batch of
// inputs to outputs.
using DepthForward = std::pair<int64_t, std::function<torch::Tensor(const torch::Tensor&)>>;
void save_outputs(const std::string& path, const Dataset& data, Split split, int64_t samples,
                  const std::vector<DepthForward>& forwards);

}  // namespace lpa::cli
