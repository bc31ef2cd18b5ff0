#include "lpa/cli/probe_source.h"

#include <algorithm>

#include <yaml-cpp/yaml.h>

#include "lpa/cli/load_run.h"
#include "lpa/config/ignored_keys.h"
#include "lpa/config/load.h"
#include "lpa/config/schema.h"
#include "lpa/errors.h"
#include "lpa/io/run_dir.h"
#include "lpa/models/named_tensors.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"

namespace lpa::cli {
namespace {

std::string flow(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// The first model key (other than model.head) whose value differs, as "model.k is A there, B
// here"; empty when the architectures agree. Keys neither config reads compare at defaults.
std::string model_difference(const ExperimentConfig& source, const ExperimentConfig& probe) {
  const ExperimentConfig a = without_ignored_keys(source), b = without_ignored_keys(probe);
  for (const auto& k : config_schema()) {
    if (k.path.rfind("model.", 0) != 0 || k.path == "model.head") continue;
    const std::string there = flow(k.get(a)), here = flow(k.get(b));
    if (there != here) return k.path + " is " + there + " there, " + here + " here";
  }
  return "";
}

NamedTensors tensors_of(torch::nn::Module& m) {
  NamedTensors all;
  append_named_tensors(all, m);
  return all;
}

// Every tensor of `from` into the same-named tensor of `to`, which must have the same names
// and shapes.
void copy_tensors(const NamedTensors& from, const NamedTensors& to, const std::string& what) {
  auto mismatch = [&](const std::string& why) {
    return UserError("train.probe_from: " + what + " does not fit this run's (" + why + ")");
  };
  if (from.size() != to.size())
    throw mismatch(std::to_string(from.size()) + " tensors there, " + std::to_string(to.size()) + " here");
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : to) {
    // A lambda may not capture a structured binding before C++20 (clang refuses it).
    const std::string& wanted = name;
    auto s = std::find_if(from.begin(), from.end(), [&](const auto& f) { return f.first == wanted; });
    if (s == from.end()) throw mismatch("no " + name + " there");
    if (s->second.sizes() != t.sizes() || s->second.scalar_type() != t.scalar_type())
      throw mismatch(name + " has another shape or type");
    t.copy_(s->second);
  }
}

}  // namespace

std::string load_probe_source(const ExperimentConfig& cfg, const DataSpec& spec, DepthwiseModel& model) {
  const std::string& from = cfg.train.probe_from;
  const std::string where = cfg.where("train.probe_from");
  RunDir source_dir;
  ExperimentConfig source;
  try {
    source_dir = open_run_dir(from);
    source = load_config(source_dir.config());
  } catch (const UserError& e) {
    throw UserError(where + ": " + e.what());
  }
  const std::string difference = model_difference(source, cfg);
  if (!difference.empty())
    throw UserError(where + ": " + from + " trained another model: " + difference +
                    " (a probe run keeps the source's model; only model.head may become per_depth)");
  if (cfg.model.head != source.model.head && cfg.model.head != "per_depth")
    throw UserError(cfg.where("model.head") + ": " + cfg.model.head + " here, " + source.model.head +
                    " in " + from + ": a probe run keeps the source's heads or gives every depth its own (per_depth)");
  if (list_checkpoints(source_dir.checkpoints()).empty())
    throw UserError(where + ": " + from + " has no checkpoint in " + source_dir.checkpoints() +
                    " (a probe run starts from a trained run)");

  // The source's model as it was built there: this config with the source's head layout.
  ExperimentConfig as_trained = cfg;
  as_trained.model = source.model;
  ModelPtr trained = make_model(as_trained, spec);
  std::string checkpoint;
  try {
    load_latest_checkpoint(source_dir.checkpoints(), *trained, nullptr, &checkpoint, torch::kCPU);
  } catch (const UserError& e) {
    throw UserError(where + ": " + e.what());
  }
  copy_tensors(tensors_of(trained->stem_module()), tensors_of(model.stem_module()), "the stem of " + from);
  for (int64_t l = 1; l <= model.depth(); ++l)
    copy_tensors(tensors_of(trained->block_module(l)), tensors_of(model.block_module(l)),
                 "block " + std::to_string(l) + " of " + from);
  // Exit by exit: a head the source shares across a stage holds the per-exit pieces of all its
  // exits, a probe's per-depth head only its own.
  for (int64_t l = 1; l <= model.depth(); ++l)
    copy_tensors(trained->exit_tensors(l), model.exit_tensors(l),
                 "the head of exit " + std::to_string(l) + " of " + from);
  return checkpoint;
}

}  // namespace lpa::cli
