#include "lpa/export/script_family.h"

#include <cstdio>
#include <map>

#include "lpa/errors.h"

namespace lpa {

const ScriptPlanner& script_planner(const std::string& kind) {
  // One line per model family that can be exported as TorchScript.
  static const std::map<std::string, ScriptPlanner> planners = {
      {"residual_mlp", plan_residual_mlp},
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
  plan.parts.push_back({"stem", &model.stem_module(), stem_source, {}});
  for (int64_t l = 1; l <= depth; ++l)
    plan.parts.push_back({"block" + std::to_string(l), &model.block_module(l), block_source(l), {}});
  plan.parts.push_back({"head", &model.head_module(depth), head_source, {}});
  return plan;
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
