// YAML file + --set overrides -> validated ExperimentConfig; and back to YAML.
#pragma once
#include <string>
#include <vector>

#include "lpa/config/config.h"

namespace lpa {

// Throws UserError naming file, line and key for bad YAML, unknown keys, wrong types and
// out-of-range values. `overrides` are "section.key=value" strings, validated the same way.
ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Same, from YAML text (`source` names it in messages).
ExperimentConfig parse_config(const std::string& yaml_text, const std::string& source,
                              const std::vector<std::string>& overrides = {});

void apply_override(ExperimentConfig& cfg, const std::string& assignment);

// Cross-key checks (head kind vs architecture, weight list length, ...). Throws UserError.
void validate_config(const ExperimentConfig& cfg);

// The resolved config as YAML; `meta` entries (versions, device, seed) go in a `meta` section
// that loading ignores, so a run's config.yaml loads back as its config. Keys the config never
// reads (ignored_keys.h) are written at their defaults.
std::string config_to_yaml(const ExperimentConfig& cfg,
                           const std::vector<std::pair<std::string, std::string>>& meta = {});

// The `meta` section of a run's config.yaml, in file order (none when absent). Throws UserError
// when the file cannot be read or parsed.
std::vector<std::pair<std::string, std::string>> load_meta(const std::string& path);

}  // namespace lpa
