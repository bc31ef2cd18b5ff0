// `lpa export`: the run's model truncated at one depth (given, or chosen on the validation
// split by the adaptive criterion) as TorchScript or safetensors, with a <file>.yaml sidecar.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/exit_rule.h"
#include "lpa/cli/export_hf.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/suggest.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_choice.h"
#include "lpa/export/export_info.h"
#include "lpa/export/export_json.h"
#include "lpa/export/safetensors.h"
#include "lpa/export/torchscript.h"
#include "lpa/io/files.h"
#include "lpa/version.h"

namespace lpa::cli {

namespace {

const std::vector<std::string> kFormats = {"torchscript", "safetensors", "hf"};

void check_format(const std::string& f) {
  for (const auto& k : kFormats)
    if (f == k) return;
  std::string hint = closest_match(f, kFormats);
  throw UserError("export: unknown --format '" + f + "' (torchscript, safetensors or hf" +
                  (hint.empty() ? "" : "; did you mean " + hint + "?") + ")");
}

int64_t parse_depth(const std::string& s, int64_t full) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw UserError("export: --depth must be a number 1.." + std::to_string(full) + " or auto, got '" + s + "'");
  const int64_t d = s.size() > 9 ? full + 1 : std::stoll(s);
  if (d < 1 || d > full)
    throw UserError("export: --depth " + s + " is out of range 1.." + std::to_string(full) +
                    " (the run's model has " + std::to_string(full) + " blocks)");
  return d;
}

std::string percent_less(double part, double whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole > 0 ? 100.0 * (1.0 - part / whole) : 0.0);
  return buf;
}

}  // namespace

int run_export(const ExportOptions& o) {
  check_format(o.format);
  if (o.output.empty()) throw UserError("export: -o FILE is required");
  check_exit_rule_options(o.exit, "export");
  // Exports are written from CPU weights; the file loads anywhere and moves with .to(device).
  if (o.format == "hf" && !o.exit.criterion.empty())
    throw UserError("export --format hf: the Hugging Face layout has no early exits; drop --early-exit");
  LoadedRun r = load_trained_run(o.run_dir, "cpu");
  if (!r.cfg.model.pretrained.empty() && o.format != "hf")
    throw UserError("export: a model started from model.pretrained exports as --format hf (its own layout)");
  DepthwiseModel& model = *r.model;
  const int64_t full = model.depth();
  const DataSpec spec = r.data->spec();
  lpa::EvalOptions eo;
  eo.batch_size = r.cfg.eval.batch_size;

  ExportInfo info;
  if (o.depth == "auto") {
    std::vector<int64_t> all;
    for (int64_t l = 1; l <= full; ++l) all.push_back(l);
    // The adaptive criterion sees the validation split only.
    auto val = evaluate_per_depth(model, *r.data, Split::val, all, eo);
    info.choice = choose_depth(val, spec.task, o.tolerance);
    info.depth = info.choice->depth;
    info.metrics.emplace_back("val", val[info.depth - 1].metrics);
  } else {
    info.depth = parse_depth(o.depth, full);
    info.metrics.emplace_back("val", evaluate_per_depth(model, *r.data, Split::val, {info.depth}, eo)[0].metrics);
  }
  info.metrics.emplace_back("test", evaluate_per_depth(model, *r.data, Split::test, {info.depth}, eo)[0].metrics);

  const int64_t k = info.depth;
  if (auto cal = resolve_exit_rule(o.exit, model, *r.data, k, eo, "export")) {
    info.early_exit = ExportedExitRule{to_string(cal->rule.criterion), cal->rule.threshold, cal->description,
                                       cal->val.accuracy, cal->val.avg_depth};
  }
  Batch sample = r.data->get(Split::test, torch::zeros({1}, torch::kLong), false);
  info.file_format = o.format;
  info.model_kind = model.kind();
  info.full_depth = full;
  info.task = spec.task;
  info.input_shape = spec.input_shape;
  info.input_dtype = c10::toString(sample.x.scalar_type());
  if (info.input_dtype == "Float") info.input_dtype = "float32";
  if (info.input_dtype == "Long") info.input_dtype = "int64";
  info.output_dim = spec.output_dim;
  info.classes = spec.class_names;
  info.mean = spec.mean;
  info.std = spec.std;
  info.params = model.params_at_depth(k);
  info.params_full = model.params_at_depth(full);
  info.mflops = model.flops_per_sample(k) / 1e6;
  info.mflops_full = model.flops_per_sample(full) / 1e6;
  info.source_run = std::filesystem::absolute(r.dir.path).lexically_normal().string();
  info.checkpoint = std::filesystem::absolute(r.checkpoint).lexically_normal().string();
  info.experiment = r.cfg.experiment.name;
  info.lpa_version = lpa_version();
  info.libtorch_version = libtorch_version();
  const std::string info_yaml = export_info_yaml(info);
  const std::string info_json = export_json(info, r.cfg);
  const std::string config_yaml = read_file(r.dir.config());

  const std::string dir = parent_dir(o.output);
  if (!dir.empty() && !dir_exists(dir)) make_dirs(dir);
  if (o.format == "hf") {
    write_hf_export(model, r.cfg, k, o.output, info_yaml, config_yaml);
  } else if (o.format == "torchscript") {
    const ExportedExitRule* rule = info.early_exit ? &*info.early_exit : nullptr;
    torch::jit::Module script = build_truncated_script(ExportSource{model, r.cfg, spec}, k, rule);
    save_script(script, o.output,
                {{kExportInfoKey, info_yaml}, {kExportJsonKey, info_json}, {kExportConfigKey, config_yaml}});
  } else {
    write_safetensors(o.output, truncated_tensors(ExportSource{model, r.cfg, spec}, k, info.early_exit.has_value()),
                      {{"format", "pt"}, {"lpa_export", info_yaml}, {"lpa_json", info_json}, {"lpa_config", config_yaml}});
  }
  if (o.format != "hf") write_file_atomic(o.output + ".yaml", info_yaml);

  if (info.choice) std::cout << "depth auto: " << describe(*info.choice, full) << "\n";
  std::cout << "exported " << model.kind() << " at depth " << k << " of " << full << " (" << o.format << ") to "
            << o.output << "\n";
  std::cout << "  params: " << info.params << " of " << info.params_full << " ("
            << percent_less(info.params, info.params_full) << " fewer)\n";
  char buf[128];
  std::snprintf(buf, sizeof buf, "  MFLOPs per sample: %.4g of %.4g (", info.mflops, info.mflops_full);
  std::cout << buf << percent_less(info.mflops, info.mflops_full) << " fewer)\n";
  for (const auto& [split, m] : info.metrics) {
    std::cout << "  " << split << ":";
    for (const auto& [name, v] : m) {
      std::snprintf(buf, sizeof buf, " %s %.6g", name.c_str(), v);
      std::cout << buf;
    }
    std::cout << "\n";
  }
  if (info.early_exit) {
    const ExportedExitRule& e = *info.early_exit;
    char line[256];
    std::snprintf(line, sizeof line, "  early exit: %s %s %.6g (%s): val accuracy %.4f at average depth %.2f of %lld\n",
                  e.criterion.c_str(), e.criterion == "confidence" ? ">=" : "<=", e.threshold, e.calibration.c_str(),
                  e.val_accuracy, e.val_avg_depth, static_cast<long long>(k));
    std::cout << line << "  every exit up to depth " << k << " is in the file"
              << (o.format == "torchscript" ? "; method forward_early_exit(x) -> (prediction, sureness, exit_depth)\n"
                                            : " (exit<l>.* tensors)\n");
  }
  std::cout << "  description: " << (o.format == "hf" ? o.output + "/lpa_export.yaml" : o.output + ".yaml") << "\n";
  return 0;
}

}  // namespace lpa::cli
