#include "lpa/export/exported_model.h"

#include <map>

#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/export/safetensors.h"
#include "lpa/export/torchscript.h"
#include "lpa/io/files.h"
#include "lpa/models/registry.h"

namespace lpa {

ExportedModel ExportedModel::open(const std::string& path, torch::Device device) {
  if (!file_exists(path)) throw UserError(path + ": no such file");
  ExportedModel m;
  m.path_ = path;
  m.device_ = device;
  std::string info_text, config_text;
  if (looks_like_safetensors(path)) {
    SafetensorsFile f = read_safetensors(path);
    if (!f.metadata.count("lpa_export") || !f.metadata.count("lpa_config"))
      throw UserError(path + ": a safetensors file, but not an lpa export (no lpa_export metadata)");
    info_text = f.metadata["lpa_export"];
    config_text = f.metadata["lpa_config"];
    m.tensors_ = std::move(f.tensors);
  } else {
    torch::jit::ExtraFilesMap extra{{kExportInfoKey, ""}, {kExportConfigKey, ""}};
    try {
      m.script_ = torch::jit::load(path, device, extra);
    } catch (const c10::Error&) {
      throw UserError(path + ": not an lpa export (neither a TorchScript archive nor a safetensors file)");
    }
    if (extra[kExportInfoKey].empty())
      throw UserError(path + ": a TorchScript module, but not an lpa export (no " + kExportInfoKey + " inside)");
    info_text = extra[kExportInfoKey];
    config_text = extra[kExportConfigKey];
    m.script_->eval();
  }
  m.info_ = parse_export_info(info_text, path);
  m.cfg_ = parse_config(config_text, path + " (embedded config)");
  return m;
}

void ExportedModel::prepare(const DataSpec& spec) {
  if (script_ || model_) return;
  model_ = make_model(cfg_, spec);
  if (model_->kind() != info_.model_kind || model_->depth() != info_.full_depth)
    throw UserError(path_ + ": the embedded config builds a " + model_->kind() + " of depth " +
                    std::to_string(model_->depth()) + ", not the exported " + info_.model_kind);
  std::map<std::string, torch::Tensor> in_file(tensors_.begin(), tensors_.end());
  const NamedTensors wanted =
      truncated_tensors(ExportSource{*model_, cfg_, spec}, info_.depth, info_.early_exit.has_value());
  if (wanted.size() != in_file.size())
    throw UserError(path_ + ": holds " + std::to_string(in_file.size()) + " tensors, a depth-" +
                    std::to_string(info_.depth) + " " + info_.model_kind + " needs " +
                    std::to_string(wanted.size()));
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : wanted) {
    auto it = in_file.find(name);
    if (it == in_file.end()) throw UserError(path_ + ": tensor '" + name + "' is missing");
    if (it->second.sizes() != t.sizes() || it->second.scalar_type() != t.scalar_type())
      throw UserError(path_ + ": tensor '" + name + "' has the wrong shape or dtype");
    t.copy_(it->second);
  }
  model_->to(device_);
  model_->eval();
  tensors_.clear();
}

torch::Tensor ExportedModel::forward(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  if (script_) return script_->forward({x.to(device_)}).toTensor();
  if (!model_) throw std::runtime_error("ExportedModel::forward before prepare()");
  return model_->forward(x.to(device_), info_.depth);
}

ExitPredictions ExportedModel::forward_early_exit(const torch::Tensor& x, const std::optional<ExitRule>& rule) {
  if (!info_.early_exit)
    throw UserError(path_ + ": exported without early exit (lpa export --early-exit ... carries every exit)");
  torch::NoGradGuard no_grad;
  if (script_) {
    if (rule && (to_string(rule->criterion) != info_.early_exit->criterion || rule->threshold != info_.early_exit->threshold))
      throw UserError(path_ + ": a TorchScript export runs the rule compiled into it (" + info_.early_exit->criterion +
                      " " + std::to_string(info_.early_exit->threshold) +
                      "); for another rule use the safetensors export or --run");
    auto out = script_->get_method("forward_early_exit")({x.to(device_)}).toTuple()->elements();
    return {out.at(0).toTensor(), out.at(1).toTensor(), out.at(2).toTensor()};
  }
  if (!model_) throw std::runtime_error("ExportedModel::forward_early_exit before prepare()");
  const ExitRule stored{parse_exit_criterion(info_.early_exit->criterion), info_.early_exit->threshold};
  return early_exit_forward(*model_, x.to(device_), info_.depth, rule ? *rule : stored);
}

}  // namespace lpa
