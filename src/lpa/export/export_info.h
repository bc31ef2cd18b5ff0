// What an exported file is: written next to it as <file>.yaml (for people and tools) and stored
// inside it (TorchScript extra file lpa/export.yaml, safetensors __metadata__["lpa_export"]),
// together with the source run's config, so `lpa eval --model FILE` needs nothing else.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lpa/data/dataset.h"
#include "lpa/eval/depth_choice.h"
#include "lpa/eval/meter.h"

namespace lpa {

inline constexpr const char* kExportFormatName = "lpa-export";
inline constexpr int kExportFormatVersion = 1;
// Names of the embedded documents.
inline constexpr const char* kExportInfoKey = "lpa/export.yaml";
inline constexpr const char* kExportConfigKey = "lpa/config.yaml";

// Early exit carried by an export: every exit up to its depth and the rule that stops a
// sample, in the criterion's own units (a probability for confidence, nats for entropy).
struct ExportedExitRule {
  std::string criterion;  // confidence | entropy
  double threshold = 0;
  std::string calibration;  // how the threshold was chosen, for people
  double val_accuracy = 0, val_avg_depth = 0;
};

struct ExportInfo {
  std::string file_format;  // torchscript | safetensors
  std::string model_kind;
  int64_t depth = 0, full_depth = 0;
  Task task = Task::regression;
  std::vector<int64_t> input_shape;  // per sample; the model takes [batch, ...]
  std::string input_dtype;           // float32, or int64 for token ids
  int64_t output_dim = 0;
  std::vector<std::string> classes;
  std::vector<double> mean, std;     // per-channel normalisation the dataset applies
  int64_t params = 0, params_full = 0;
  double mflops = 0, mflops_full = 0;
  std::string source_run, checkpoint, experiment;
  std::vector<std::pair<std::string, Metrics>> metrics;  // split -> metrics at `depth`
  std::optional<DepthChoice> choice;                     // --depth auto
  std::optional<ExportedExitRule> early_exit;            // --early-exit
  std::string lpa_version, libtorch_version;
};

std::string export_info_yaml(const ExportInfo& info);
// Throws UserError naming `source` when the text is not an lpa export description.
ExportInfo parse_export_info(const std::string& yaml_text, const std::string& source);

// One line per metric of `measured` ("  name value"), with the value recorded at export for
// `split` beside it where the export has one (lpa eval --model: does the file predict what the
// run did?).
std::string metrics_beside_recorded(const Metrics& measured, const ExportInfo& info, const std::string& split);

}  // namespace lpa
