// Each model family tells the exporter how to write its pieces as TorchScript: one file per
// family (residual_mlp_script.cpp, ...) registered by DepthwiseModel::kind() in
// script_family.cpp. The exporter (torchscript.cpp) does the rest: copies parameters and
// buffers, defines the methods, wires stem -> block1..k -> head, saves.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"
#include "lpa/models/named_tensors.h"

namespace lpa {

// What a family's exporter may look at: the model (for its modules and their options), the
// config that built it and the data it was built for (flags that the model keeps private).
struct ExportSource {
  DepthwiseModel& model;
  const ExperimentConfig& cfg;
  const DataSpec& spec;
};

// One piece of the exported module: an attribute of it (stem, block<l>, head) that holds the
// parameters and buffers of `module` (its own and its children's, mirrored as submodules with
// the same names), plus the TorchScript source of its methods. The source must do what the
// module does in eval mode (no dropout, running statistics for batch norm).
struct ScriptPart {
  std::string name;
  torch::nn::Module* module = nullptr;
  std::string source;  // e.g. "def forward(self, h):\n    return h + ...\n"
  // When not empty, the piece holds only these children of `module` (under the names given;
  // an empty name: `module`'s own tensors, models/named_tensors.h) instead of all of it: a head
  // module that serves several depths keeps pieces the exported depth does not use.
  ModulePieces only;
  // Tensors the piece needs that live elsewhere in the model (e.g. a head tied to the token
  // embedding): registered on the piece as buffers under these names.
  std::vector<std::pair<std::string, torch::Tensor>> extra_buffers;
};

// How the top-level early-exit method reaches the pieces. The default is the standard chain.
struct ExitCalls {
  // Source lines (indented 4) that turn the input x into h and the state below.
  std::string prologue = "    h = self.stem.forward(x)\n";
  // Variables besides h that hold one row per sample and follow the samples that go on
  // (a Transformer classifier's padding and attention masks).
  std::vector<std::string> state;
  std::function<std::string(int64_t)> block = [](int64_t l) {
    return "self.block" + std::to_string(l) + ".forward(h)";
  };
  // The logits of the exit piece named `part` (exit<l> or head) on h.
  std::function<std::string(const std::string&)> exit = [](const std::string& part) {
    return "self." + part + ".forward(h)";
  };
};

struct ScriptPlan {
  std::vector<ScriptPart> parts;
  // Source of the top-level methods; empty = the standard chain
  //   h = self.stem.forward(x); h = self.block1.forward(h); ...; return self.head.forward(h)
  // (methods are called by name: source compiled from C++ cannot call a submodule directly)
  std::string source;
  // With exits requested: exit<l> for l = 1..depth-1, each the head of depth l written as the
  // family writes its head, and the calls an early-exit method makes.
  std::vector<ScriptPart> exits;
  ExitCalls exit_calls;
};

// `with_exits`: also plan exit<l> for l < depth (early-exit exports).
using ScriptPlanner = std::function<ScriptPlan(const ExportSource& source, int64_t depth, bool with_exits)>;

// The planner for model.kind(); UserError when the family has none.
const ScriptPlanner& script_planner(const std::string& kind);

// The standard chain's parts: stem_module(), block_module(1..depth), head_module(depth), with
// the family's sources for each.
ScriptPlan chain_plan(DepthwiseModel& model, int64_t depth, const std::string& stem_source,
                      const std::function<std::string(int64_t)>& block_source,
                      const std::string& head_source);

// One piece holding all of `module`.
ScriptPart script_part(std::string name, torch::nn::Module& module, std::string source);

// A float as TorchScript source text that parses back to the same double.
std::string script_float(double v);

// The tensors a piece holds, under its own names (no "<part>." prefix).
std::vector<std::pair<std::string, torch::Tensor>> part_tensors(const ScriptPart& part);

// Planners, one per family file.
ScriptPlan plan_residual_mlp(const ExportSource& src, int64_t depth, bool with_exits);  // residual_mlp_script.cpp
ScriptPlan plan_resnet(const ExportSource& src, int64_t depth, bool with_exits);        // resnet_script.cpp
ScriptPlan plan_transformer(const ExportSource& src, int64_t depth, bool with_exits);   // transformer_script.cpp

}  // namespace lpa
