// The run directory is an experiment's identity (DESIGN.md): config.yaml, CSV logs,
// checkpoints/. This names its files in one place.
#pragma once
#include <string>

#include "lpa/config/config.h"

namespace lpa {

struct RunDir {
  std::string path;
  std::string config() const { return path + "/config.yaml"; }
  std::string train_log() const { return path + "/train_log.csv"; }
  std::string curves() const { return path + "/curves.csv"; }
  std::string per_depth() const { return path + "/per_depth.csv"; }
  std::string checkpoints() const { return path + "/checkpoints"; }
  std::string tensorboard() const { return path + "/tb"; }
  std::string status() const { return path + "/status.yaml"; }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

// `explicit_dir` if given, else <output.root>/<experiment.name>/<output.run_id or timestamp>.
// A timestamp that is taken gets a -2, -3... suffix so two runs never share a folder.
RunDir choose_run_dir(const ExperimentConfig& cfg, const std::string& explicit_dir);

// An existing run directory for eval/export/bench; throws UserError if it is not one.
RunDir open_run_dir(const std::string& path);

}  // namespace lpa
