#include "lpa/io/run_dir.h"

#include <ctime>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {

RunDir choose_run_dir(const ExperimentConfig& cfg, const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return {explicit_dir};
  const std::string base = cfg.output.root + "/" + cfg.experiment.name + "/";
  if (!cfg.output.run_id.empty()) return {base + cfg.output.run_id};
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  std::string id = stamp;
  for (int k = 2; dir_exists(base + id); ++k) id = std::string(stamp) + "-" + std::to_string(k);
  return {base + id};
}

RunDir open_run_dir(const std::string& path) {
  if (!dir_exists(path)) throw UserError(path + ": run directory does not exist");
  RunDir r{path};
  if (!file_exists(r.config()))
    throw UserError(path + ": not a run directory (no config.yaml)");
  return r;
}

}  // namespace lpa
