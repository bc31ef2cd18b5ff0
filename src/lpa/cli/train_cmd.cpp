#include <spdlog/spdlog.h>

#include <ctime>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/report.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/device.h"
#include "lpa/train/trainer.h"
#include "lpa/version.h"

namespace lpa::cli {
namespace {

std::string now_text() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  return buf;
}

// A run directory that already holds a config must hold this one: resuming someone else's
// run with other settings would silently mix two experiments.
bool prepare_run_dir(const RunDir& run, const ExperimentConfig& cfg) {
  if (!file_exists(run.config())) return false;
  ExperimentConfig prev = load_config(run.config());
  if (config_to_yaml(prev) != config_to_yaml(cfg))
    throw UserError(run.path + ": holds a run with a different config (compare " + run.config() +
                    "); choose another --run-dir");
  return !list_checkpoints(run.checkpoints()).empty();
}

}  // namespace

int run_train(const TrainOptions& o) {
  ExperimentConfig cfg = load_config(o.config, o.overrides);
  const int64_t threads = configure_threads(cfg.train.threads);
  const RunDir run = choose_run_dir(cfg, o.run_dir);
  const bool resuming = prepare_run_dir(run, cfg);
  const torch::Device device = resolve_device(cfg.train.device);

  DatasetPtr data = make_dataset(cfg);
  ModelPtr model = build_model(cfg, data->spec());
  const auto final_depths = parse_depth_spec(cfg.eval.depths, model->depth());
  model->to(device);

  make_dirs(run.path);
  write_file_atomic(run.config(),
                    config_to_yaml(cfg, {{"lpa_version", lpa_version()},
                                         {"libtorch_version", libtorch_version()},
                                         {"device", device.str()},
                                         {"threads", std::to_string(threads)},
                                         {"blas", blas_in_use()},
                                         {"seed", std::to_string(cfg.train.seed)},
                                         {"source_config", o.config},
                                         {"written", now_text()}}));
  spdlog::info("{}", version_banner());
  spdlog::info("data: {}", data->describe());
  spdlog::info("model: {} with {} blocks, {} parameters, device {}", model->kind(), model->depth(),
               model->params_at_depth(model->depth()), device.str());
  spdlog::info("run directory: {}", run.path);

  Trainer trainer(cfg, run, data, model, device);
  if (resuming) trainer.resume();
  trainer.run();

  const Split split = parse_split(cfg.eval.split);
  lpa::EvalOptions eo;
  eo.batch_size = cfg.eval.batch_size;
  eo.device = device;
  auto results = evaluate_per_depth(*model, *data, split, final_depths, eo);
  write_per_depth_csv(run.per_depth(), split, results);
  std::cout << per_depth_report(split, results, data->spec().task);
  std::cout << "run directory: " << run.path << std::endl;
  return 0;
}

}  // namespace lpa::cli
