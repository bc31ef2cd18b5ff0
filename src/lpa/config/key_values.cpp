#include "lpa/config/key_values.h"

#include <yaml-cpp/yaml.h>

#include "lpa/config/ignored_keys.h"
#include "lpa/config/schema.h"

namespace lpa {

std::vector<std::pair<std::string, std::string>> config_key_values(const ExperimentConfig& cfg) {
  const ExperimentConfig resolved = without_ignored_keys(cfg);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : config_schema()) {
    YAML::Emitter e;
    e.SetSeqFormat(YAML::Flow);
    e.SetMapFormat(YAML::Flow);
    e << k.get(resolved);
    out.emplace_back(k.path, e.c_str());
  }
  return out;
}

}  // namespace lpa
