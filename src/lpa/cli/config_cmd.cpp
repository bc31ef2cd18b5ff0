#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/config/key_roles.h"
#include "lpa/config/load.h"
#include "lpa/config/schema.h"

namespace lpa::cli {

int run_config(const ConfigOptions& o) {
  if (o.keys) {
    for (const auto& k : config_schema()) std::printf("%-24s %s\n", k.path.c_str(), k.doc.c_str());
    return 0;
  }
  if (o.roles) {
    for (const auto& k : config_schema()) std::printf("%-24s %s\n", k.path.c_str(), key_role_name(key_role(k.path)));
    return 0;
  }
  ExperimentConfig cfg = load_config(o.config, o.overrides);
  std::cout << config_to_yaml(cfg);
  return 0;
}

}  // namespace lpa::cli
