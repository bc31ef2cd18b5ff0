#include "lpa/config/key_values.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>

#include "lpa/config/ignored_keys.h"
#include "lpa/config/schema.h"

namespace lpa {

std::string one_line_yaml(const YAML::Node& value) {
  if (value.IsScalar() && value.Scalar().find_first_of(".eE") != std::string::npos) {
    const std::string& s = value.Scalar();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0')
      for (int digits = 1; digits <= 17; ++digits) {
        char b[40];
        std::snprintf(b, sizeof b, "%.*g", digits, v);
        if (std::strtod(b, nullptr) == v) return b;
      }
  }
  YAML::Emitter e;
  e.SetSeqFormat(YAML::Flow);
  e.SetMapFormat(YAML::Flow);
  e << value;
  return e.c_str();
}

std::vector<std::pair<std::string, std::string>> config_key_values(const ExperimentConfig& cfg) {
  const ExperimentConfig resolved = without_ignored_keys(cfg);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : config_schema()) out.emplace_back(k.path, one_line_yaml(k.get(resolved)));
  return out;
}

}  // namespace lpa
