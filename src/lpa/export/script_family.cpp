#include "lpa/export/script_family.h"

#include <cstdio>
#include <map>

#include "lpa/errors.h"
#include "lpa/models/named_tensors.h"

namespace lpa {

const ScriptPlanner& script_planner(const std::string& kind) {
  // One line per model family that can be exported as TorchScript.
  static const std::map<std::string, ScriptPlanner> planners = {
      {"residual_mlp", plan_residual_mlp},
      {"resnet", plan_resnet},
      {"transformer", plan_transformer},
  };
  auto it = planners.find(kind);
  if (it == planners.end())
    throw UserError("model.type '" + kind + "' has no TorchScript exporter in this build");
  return it->second;
}

ScriptPlan chain_plan(DepthwiseModel& model, int64_t depth, const std::string& stem_source,
                      const std::function<std::string(int64_t)>& block_source,
                      const std::string& head_source) {
  model.check_depth(depth);
  ScriptPlan plan;
  const auto part = script_part;
  plan.parts.push_back(part("stem", model.stem_module(), stem_source));
  for (int64_t l = 1; l <= depth; ++l)
    plan.parts.push_back(part("block" + std::to_string(l), model.block_module(l), block_source(l)));
  plan.parts.push_back(part("head", model.head_module(depth), head_source));
  return plan;
}

ScriptPart script_part(std::string name, torch::nn::Module& module, std::string source) {
  ScriptPart p;
  p.name = std::move(name);
  p.module = &module;
  p.source = std::move(source);
  return p;
}

std::vector<std::pair<std::string, torch::Tensor>> part_tensors(const ScriptPart& part) {
  NamedTensors out;
  if (part.only.empty()) append_named_tensors(out, *part.module);
  append_piece_tensors(out, part.only);
  for (const auto& [name, t] : part.extra_buffers) out.emplace_back(name, t);
  return out;
}

std::string script_float(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  // TorchScript reads "1" as an int: keep floats floats.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace lpa
