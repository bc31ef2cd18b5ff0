// An exported file read back (either format), ready to run on a dataset's inputs: what
// `lpa eval --model FILE` uses to check an export.
#pragma once
#include <torch/script.h>

#include <string>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/eval/early_exit.h"
#include "lpa/export/export_info.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

class ExportedModel {
 public:
  // UserError when `path` is missing, not TorchScript or safetensors, or carries no lpa
  // export description.
  static ExportedModel open(const std::string& path, torch::Device device);

  const ExportInfo& info() const { return info_; }
  // The source run's config, as stored in the file: rebuilds the dataset.
  const ExperimentConfig& config() const { return cfg_; }
  // Safetensors only: builds the family's model for `spec` and loads the file's tensors into
  // it (UserError when names or shapes do not match). TorchScript needs nothing.
  void prepare(const DataSpec& spec);
  torch::Tensor forward(const torch::Tensor& x);  // no gradients
  // Early exit at the rule the export carries (info().early_exit; UserError when it has none).
  // TorchScript runs its forward_early_exit method; safetensors the rebuilt model with
  // early_exit_forward. `rule` replaces the stored rule (safetensors only: a TorchScript
  // module has its rule compiled in).
  ExitPredictions forward_early_exit(const torch::Tensor& x, const std::optional<ExitRule>& rule = std::nullopt);

 private:
  std::string path_;
  torch::Device device_ = torch::kCPU;
  ExportInfo info_;
  ExperimentConfig cfg_;
  std::optional<torch::jit::Module> script_;
  std::vector<std::pair<std::string, torch::Tensor>> tensors_;  // safetensors
  ModelPtr model_;
};

}  // namespace lpa
