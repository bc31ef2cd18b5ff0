// The export description as one JSON document (safetensors __metadata__["lpa_json"],
// TorchScript extra file lpa/export.json): what a reader with only a JSON parser needs to
// rebuild the model -- python/lpa_torch.py reads it with Python's json module, no YAML.
#pragma once
#include <string>

#include "lpa/config/config.h"
#include "lpa/export/export_info.h"

namespace lpa {

inline constexpr const char* kExportJsonKey = "lpa/export.json";

// {"format", "format_version", "model", "depth", "full_depth", "task", "input": {shape, dtype},
//  "output_dim", "classes", "normalization": {mean, std} | null, "early_exit": {criterion,
//  threshold} | null, "config": {"section.key": value for every key of the config}}.
std::string export_json(const ExportInfo& info, const ExperimentConfig& cfg);

}  // namespace lpa
