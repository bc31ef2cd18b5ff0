// The one table of config keys. Each key knows how to read itself from a YAML node (throwing
// ValueError with a short reason), how to write itself back, and what it means.
#pragma once
#include <yaml-cpp/yaml.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lpa/config/config.h"

namespace lpa {

// A value that does not fit its key: the loader adds file, line and key to the message.
struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ConfigKey {
  std::string path;  // "section.key"
  std::string doc;
  std::function<void(ExperimentConfig&, const YAML::Node&)> set;
  std::function<YAML::Node(const ExperimentConfig&)> get;
};

const std::vector<ConfigKey>& config_schema();
const ConfigKey* find_config_key(const std::string& path);
const std::vector<std::string>& config_sections();

}  // namespace lpa
