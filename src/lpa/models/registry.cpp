#include "lpa/models/registry.h"

#include <functional>
#include <map>

#include "lpa/errors.h"
#include "lpa/models/residual_mlp.h"
#include "lpa/models/resnet.h"
#include "lpa/models/transformer.h"

namespace lpa {

using ModelFactory = std::function<ModelPtr(const ExperimentConfig&, const DataSpec&)>;

static const std::map<std::string, ModelFactory>& model_factories() {
  static const std::map<std::string, ModelFactory> m = {
      {"residual_mlp", make_residual_mlp},
      {"resnet", make_resnet},
      {"transformer", make_transformer},
  };
  return m;
}

ModelPtr make_model(const ExperimentConfig& cfg, const DataSpec& spec) {
  const auto& m = model_factories();
  auto it = m.find(cfg.model.type);
  if (it == m.end())
    throw UserError(cfg.where("model.type") + ": '" + cfg.model.type +
                    "' is not available in this build");
  return it->second(cfg, spec);
}

}  // namespace lpa
