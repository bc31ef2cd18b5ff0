#include "lpa/data/registry.h"

#include <functional>
#include <map>

#include "lpa/data/cifar_dataset.h"
#include "lpa/data/idx_dataset.h"
#include "lpa/data/surface_dataset.h"
#include "lpa/data/text_classification_dataset.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"

namespace lpa {

using DatasetFactory = std::function<DatasetPtr(const ExperimentConfig&)>;

static const std::map<std::string, DatasetFactory>& dataset_factories() {
  static const std::map<std::string, DatasetFactory> m = {
      {"surface", make_surface_dataset},
      {"idx", make_idx_dataset},
      {"cifar10", make_cifar10_dataset},
      {"cifar100", make_cifar100_dataset},
      {"text", make_text_dataset},
      {"text_classification", make_text_classification_dataset},
  };
  return m;
}

DatasetPtr make_dataset(const ExperimentConfig& cfg) {
  const auto& m = dataset_factories();
  auto it = m.find(cfg.data.type);
  if (it == m.end())
    throw UserError(cfg.where("data.type") + ": '" + cfg.data.type +
                    "' is not available in this build");
  return it->second(cfg);
}

}  // namespace lpa
