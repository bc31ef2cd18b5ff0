#include "lpa/cli/run_identity.h"

#include "lpa/config/load.h"

namespace lpa::cli {

std::string experiment_identity(ExperimentConfig cfg) {
  const TrainSection defaults;
  cfg.train.requeue = defaults.requeue;
  cfg.train.dist_backend = defaults.dist_backend;
  cfg.train.bucket_mb = defaults.bucket_mb;
  cfg.train.dist_timeout_s = defaults.dist_timeout_s;
  return config_to_yaml(cfg);
}

}  // namespace lpa::cli
