#include "lpa/export/export_info.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>

#include "lpa/errors.h"

namespace lpa {

namespace {

Task parse_task(const std::string& s, const std::string& source) {
  for (Task t : {Task::regression, Task::classification, Task::language_model})
    if (to_string(t) == s) return t;
  throw UserError(source + ": unknown task '" + s + "'");
}

const char* output_meaning(Task t) {
  switch (t) {
    case Task::regression: return "regression values [batch, outputs]";
    case Task::classification: return "logits [batch, classes] (softmax not applied)";
    case Task::language_model: return "next-token logits [batch, seq_len, vocab]";
  }
  return "";
}

}  // namespace

std::string export_info_yaml(const ExportInfo& i) {
  YAML::Emitter o;
  o << YAML::BeginMap;
  o << YAML::Key << "format" << YAML::Value << kExportFormatName;
  o << YAML::Key << "format_version" << YAML::Value << kExportFormatVersion;
  o << YAML::Key << "file_format" << YAML::Value << i.file_format;
  o << YAML::Key << "model" << YAML::Value << i.model_kind;
  o << YAML::Key << "depth" << YAML::Value << i.depth;
  o << YAML::Key << "full_depth" << YAML::Value << i.full_depth;
  o << YAML::Key << "task" << YAML::Value << to_string(i.task);
  o << YAML::Key << "input" << YAML::Value << YAML::BeginMap;
  o << YAML::Key << "shape" << YAML::Value << YAML::Flow << i.input_shape;
  o << YAML::Key << "dtype" << YAML::Value << i.input_dtype;
  o << YAML::Key << "batch_dim" << YAML::Value << "first (the model takes [batch, ...shape])";
  o << YAML::EndMap;
  o << YAML::Key << "normalization" << YAML::Value << YAML::BeginMap;
  o << YAML::Key << "mean" << YAML::Value << YAML::Flow << i.mean;
  o << YAML::Key << "std" << YAML::Value << YAML::Flow << i.std;
  o << YAML::Key << "applied_by" << YAML::Value
    << (i.mean.empty() ? "none (inputs are used as the dataset gives them)"
                       : "the caller: pixels / 255, then (x - mean) / std per channel, as lpa's image datasets do");
  o << YAML::EndMap;
  o << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  o << YAML::Key << "dim" << YAML::Value << i.output_dim;
  o << YAML::Key << "meaning" << YAML::Value << output_meaning(i.task);
  o << YAML::EndMap;
  o << YAML::Key << "classes" << YAML::Value << YAML::Flow << i.classes;
  o << YAML::Key << "size" << YAML::Value << YAML::BeginMap;
  o << YAML::Key << "params" << YAML::Value << i.params;
  o << YAML::Key << "params_full" << YAML::Value << i.params_full;
  o << YAML::Key << "mflops_per_sample" << YAML::Value << i.mflops;
  o << YAML::Key << "mflops_per_sample_full" << YAML::Value << i.mflops_full;
  o << YAML::EndMap;
  o << YAML::Key << "source" << YAML::Value << YAML::BeginMap;
  o << YAML::Key << "run" << YAML::Value << i.source_run;
  o << YAML::Key << "checkpoint" << YAML::Value << i.checkpoint;
  o << YAML::Key << "experiment" << YAML::Value << i.experiment;
  o << YAML::EndMap;
  o << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
  for (const auto& [split, m] : i.metrics) {
    o << YAML::Key << split << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : m) o << YAML::Key << k << YAML::Value << v;
    o << YAML::EndMap;
  }
  o << YAML::EndMap;
  if (i.choice) {
    const DepthChoice& c = *i.choice;
    o << YAML::Key << "depth_choice" << YAML::Value << YAML::BeginMap;
    o << YAML::Key << "rule" << YAML::Value
      << "shallowest depth whose validation metric is within the tolerance of the best depth";
    o << YAML::Key << "metric" << YAML::Value << c.metric;
    o << YAML::Key << "tolerance" << YAML::Value << c.tolerance;
    o << YAML::Key << "tolerance_unit" << YAML::Value << (c.relative ? "percent of best (relative)" : "percentage points");
    o << YAML::Key << "best_depth" << YAML::Value << c.best_depth;
    o << YAML::Key << "best_value" << YAML::Value << c.best_value;
    o << YAML::Key << "chosen_value" << YAML::Value << c.value;
    o << YAML::EndMap;
  }
  if (i.early_exit) {
    const ExportedExitRule& e = *i.early_exit;
    o << YAML::Key << "early_exit" << YAML::Value << YAML::BeginMap;
    o << YAML::Key << "criterion" << YAML::Value << e.criterion;
    o << YAML::Key << "threshold" << YAML::Value << e.threshold;
    o << YAML::Key << "rule" << YAML::Value
      << (e.criterion == "confidence" ? "after each block, a sample stops when its max softmax probability >= threshold"
                                      : "after each block, a sample stops when its softmax entropy (nats) <= threshold");
    o << YAML::Key << "calibration" << YAML::Value << e.calibration;
    o << YAML::Key << "val_accuracy" << YAML::Value << e.val_accuracy;
    o << YAML::Key << "val_avg_depth" << YAML::Value << e.val_avg_depth;
    o << YAML::Key << "method" << YAML::Value
      << "TorchScript: forward_early_exit(x) -> (prediction, sureness, exit_depth); safetensors: exit<l>.* hold exit l's head";
    o << YAML::EndMap;
  }
  o << YAML::Key << "lpa_version" << YAML::Value << i.lpa_version;
  o << YAML::Key << "libtorch_version" << YAML::Value << i.libtorch_version;
  o << YAML::EndMap;
  return std::string(o.c_str()) + "\n";
}

ExportInfo parse_export_info(const std::string& text, const std::string& source) {
  YAML::Node n;
  try {
    n = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw UserError(source + ": export description is not valid YAML: " + e.what());
  }
  if (!n.IsMap() || !n["format"] || n["format"].as<std::string>("") != kExportFormatName)
    throw UserError(source + ": not an lpa export description (format: " + kExportFormatName + " missing)");
  if (n["format_version"].as<int>(0) > kExportFormatVersion)
    throw UserError(source + ": export format version " + n["format_version"].as<std::string>() +
                    " is newer than this lpa understands (" + std::to_string(kExportFormatVersion) + ")");
  ExportInfo i;
  try {
    i.file_format = n["file_format"].as<std::string>();
    i.model_kind = n["model"].as<std::string>();
    i.depth = n["depth"].as<int64_t>();
    i.full_depth = n["full_depth"].as<int64_t>();
    i.task = parse_task(n["task"].as<std::string>(), source);
    i.input_shape = n["input"]["shape"].as<std::vector<int64_t>>();
    i.input_dtype = n["input"]["dtype"].as<std::string>();
    i.output_dim = n["output"]["dim"].as<int64_t>();
    if (n["classes"]) i.classes = n["classes"].as<std::vector<std::string>>();
    i.mean = n["normalization"]["mean"].as<std::vector<double>>();
    i.std = n["normalization"]["std"].as<std::vector<double>>();
    i.params = n["size"]["params"].as<int64_t>();
    i.params_full = n["size"]["params_full"].as<int64_t>();
    i.mflops = n["size"]["mflops_per_sample"].as<double>();
    i.mflops_full = n["size"]["mflops_per_sample_full"].as<double>();
    i.source_run = n["source"]["run"].as<std::string>("");
    i.checkpoint = n["source"]["checkpoint"].as<std::string>("");
    i.experiment = n["source"]["experiment"].as<std::string>("");
    for (const auto& split : n["metrics"]) {
      Metrics m;
      for (const auto& kv : split.second) m.emplace_back(kv.first.as<std::string>(), kv.second.as<double>());
      i.metrics.emplace_back(split.first.as<std::string>(), m);
    }
    if (const YAML::Node e = n["early_exit"]) {
      ExportedExitRule r;
      r.criterion = e["criterion"].as<std::string>();
      if (r.criterion != "confidence" && r.criterion != "entropy")
        throw UserError(source + ": early_exit.criterion '" + r.criterion + "' is not confidence or entropy");
      r.threshold = e["threshold"].as<double>();
      r.calibration = e["calibration"].as<std::string>("");
      r.val_accuracy = e["val_accuracy"].as<double>(0);
      r.val_avg_depth = e["val_avg_depth"].as<double>(0);
      i.early_exit = r;
    }
    i.lpa_version = n["lpa_version"].as<std::string>("");
    i.libtorch_version = n["libtorch_version"].as<std::string>("");
  } catch (const YAML::Exception& e) {
    throw UserError(source + ": export description is incomplete: " + e.what());
  }
  return i;
}

std::string metrics_beside_recorded(const Metrics& measured, const ExportInfo& info, const std::string& split) {
  const Metrics* recorded = nullptr;
  for (const auto& [s, metrics] : info.metrics)
    if (s == split) recorded = &metrics;
  std::string out;
  char buf[160];
  for (const auto& [k, v] : measured) {
    std::snprintf(buf, sizeof buf, "  %-12s %12.6g", k.c_str(), v);
    out += buf;
    if (recorded)
      for (const auto& [rk, rv] : *recorded)
        if (rk == k) {
          std::snprintf(buf, sizeof buf, "   (recorded at export: %.6g)", rv);
          out += buf;
        }
    out += "\n";
  }
  return out;
}

}  // namespace lpa
