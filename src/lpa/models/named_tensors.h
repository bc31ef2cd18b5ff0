// A module's parameters and buffers as (name, tensor) pairs: what export writes, probes copy and
// a depth's exit is made of are all named this way, so one spelling of the names serves them.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace lpa {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Appends m's parameters, then its buffers (recursively), each name prefixed by `prefix`.
inline void append_named_tensors(NamedTensors& out, const torch::nn::Module& m, const std::string& prefix = "") {
  for (const auto& p : m.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(prefix + b.key(), b.value());
}

// The modules one exit of a head reads, each under the name it has in that exit (a head serving
// several exits keeps pieces per exit). An empty name stands for the module's own parameters and
// buffers, its children left out: a head whose linear layer is its own weight and bias.
using ModulePieces = std::vector<std::pair<std::string, torch::nn::Module*>>;

inline void append_piece_tensors(NamedTensors& out, const ModulePieces& pieces) {
  for (const auto& [name, m] : pieces) {
    if (!name.empty()) {
      append_named_tensors(out, *m, name + ".");
      continue;
    }
    for (const auto& p : m->named_parameters(/*recurse=*/false)) out.emplace_back(p.key(), p.value());
    for (const auto& b : m->named_buffers(/*recurse=*/false)) out.emplace_back(b.key(), b.value());
  }
}

}  // namespace lpa
