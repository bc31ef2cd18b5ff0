// Reading a trained run back in tests: its newest checkpoint's tensors, every checkpoint's
// integrity, and tensor comparisons.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace lpa::test {

// Parameters and buffers of the newest checkpoint of a run directory, in module order.
std::vector<torch::Tensor> run_weights(const std::string& run_dir);

// Every checkpoint file in <run_dir>/checkpoints that does NOT read back whole (empty = all fine).
std::vector<std::string> unreadable_checkpoints(const std::string& run_dir);

// Largest absolute difference between two weight lists (inf when shapes differ).
double max_abs_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b);
bool bitwise_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b);

}  // namespace lpa::test
