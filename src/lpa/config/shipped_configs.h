// The experiment configs shipped in configs/ (top level), compiled into the binary for
// `lpa init`. Generated at build time by cmake/embed_configs.cmake.
#pragma once
#include <string>
#include <vector>

namespace lpa {

struct ShippedConfig {
  std::string name;  // the file name without .yaml
  std::string text;  // the file, comments included
};

// Sorted by name.
const std::vector<ShippedConfig>& shipped_configs();

}  // namespace lpa
