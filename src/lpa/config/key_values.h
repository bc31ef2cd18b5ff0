// A config flattened to one line per key of the key table, for comparing runs key by key.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "lpa/config/config.h"

namespace lpa {

// (path, value as one-line YAML: lists in flow style "[1, 2]") for every key, in the key
// table's order. Keys the config never reads are at their defaults (as in a run's config.yaml),
// so two configs that compute the same thing have the same values.
std::vector<std::pair<std::string, std::string>> config_key_values(const ExperimentConfig& cfg);

// A key's value as one-line YAML, a number in the fewest digits that read back to it (yaml-cpp
// writes 0.005 as 0.0050000000000000001).
std::string one_line_yaml(const YAML::Node& value);

}  // namespace lpa
