#include "lpa/export/torchscript.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "lpa/errors.h"
#include "lpa/export/script_family.h"
#include "lpa/io/files.h"

namespace lpa {

namespace {

torch::Tensor frozen_copy(const torch::Tensor& t) { return t.detach().to(torch::kCPU).clone(); }

// A script module holding `m`'s parameters and buffers, its children mirrored as submodules
// under the same names (so source can say self.fc1.weight).
torch::jit::Module empty_module(const std::string& type_name,
                                const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module j(c10::QualifiedName(type_name), cu, /*shouldMangle=*/true);
  // nn.Module's flag: Python's m.eval() / m.training and C++'s Module::eval() expect it.
  j.register_attribute("training", c10::BoolType::get(), false);
  return j;
}

void copy_own_tensors(const torch::nn::Module& m, torch::jit::Module& j) {
  for (const auto& p : m.named_parameters(/*recurse=*/false))
    j.register_parameter(p.key(), frozen_copy(p.value()), /*is_buffer=*/false);
  for (const auto& b : m.named_buffers(/*recurse=*/false)) j.register_buffer(b.key(), frozen_copy(b.value()));
}

torch::jit::Module mirror(const torch::nn::Module& m, const std::string& type_name,
                          const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module j = empty_module(type_name, cu);
  copy_own_tensors(m, j);
  for (const auto& c : m.named_children())
    j.register_module(c.key(), mirror(*c.value(), type_name + "_" + c.key(), cu));
  return j;
}

// Source compiled from C++ has no Python resolver: a submodule is an object whose methods are
// called by name (self.stem.forward(x)), not a callable module (self.stem(x)).
std::string chain_source(const ScriptPlan& plan) {
  std::ostringstream s;
  s << "def forward(self, x):\n";
  for (size_t i = 0; i < plan.parts.size(); ++i) {
    const auto& name = plan.parts[i].name;
    if (i == 0) s << "    h = self." << name << ".forward(x)\n";
    else if (i + 1 < plan.parts.size()) s << "    h = self." << name << ".forward(h)\n";
    else s << "    return self." << name << ".forward(h)\n";
  }
  return s.str();
}

void define_or_explain(torch::jit::Module& m, const std::string& source, const std::string& what) {
  auto explain = [&](const std::string& why) {
    // The generated source is ours: a failure here is a bug of the family's exporter.
    // One line (main prints the first line of internal errors), source included.
    std::string msg = "TorchScript source of " + what + " does not compile: " + why + " -- source: " + source;
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    return std::runtime_error(msg);
  };
  try {
    m.define(source);
  } catch (const c10::Error& e) {
    throw explain(e.what_without_backtrace());
  } catch (const std::exception& e) {
    // The script compiler's own errors (torch::jit::ErrorReport) start with a newline.
    throw explain(e.what());
  }
}

// The samples still running are rows[go]; the others keep what they got at this exit. Sureness
// is computed in float64 from the logits as eval/early_exit.cpp does, so the same logits give
// the same decisions in lpa and in the exported module.
std::string early_exit_source(const ScriptPlan& plan, int64_t depth, const ExportedExitRule& rule) {
  const ExitCalls& c = plan.exit_calls;
  const bool confidence = rule.criterion == "confidence";
  // No Python resolver: dtypes as their integer codes.
  const std::string f32 = std::to_string(static_cast<int>(torch::kFloat)),
                    f64 = std::to_string(static_cast<int>(torch::kDouble)),
                    i64 = std::to_string(static_cast<int>(torch::kLong));
  auto sure = [&](const std::string& indent) {
    std::string s = indent + "logp = torch.log_softmax(logits.to(" + f64 + "), 1)\n";
    if (confidence) s += indent + "s = torch.exp(torch.amax(logp, [1]))\n";
    else s += indent + "s = -(torch.exp(logp) * logp).sum(1)\n";
    return s;
  };
  std::ostringstream s;
  s << "def forward_early_exit(self, x):\n" << c.prologue
    << "    n = h.size(0)\n"
    << "    rows = torch.arange(n, device=h.device)\n"
    << "    prediction = torch.zeros([n], dtype=" << i64 << ", device=h.device)\n"
    << "    sureness = torch.zeros([n], dtype=" << f32 << ", device=h.device)\n"
    << "    exit_depth = torch.full([n], " << depth << ", dtype=" << i64 << ", device=h.device)\n";
  for (int64_t l = 1; l < depth; ++l) {
    s << "    h = " << c.block(l) << "\n"
      << "    logits = " << c.exit("exit" + std::to_string(l)) << "\n"
      << sure("    ")
      << "    stop = s " << (confidence ? ">= " : "<= ") << script_float(rule.threshold) << "\n"
      << "    done = rows[stop]\n"
      << "    prediction[done] = logits.argmax(1)[stop]\n"
      << "    sureness[done] = s[stop].to(" << f32 << ")\n"
      << "    exit_depth[done] = " << l << "\n"
      << "    go = stop.logical_not()\n"
      << "    rows = rows[go]\n"
      << "    h = h[go]\n";
    for (const auto& v : c.state) s << "    " << v << " = " << v << "[go]\n";
    s << "    if rows.numel() == 0:\n        return prediction, sureness, exit_depth\n";
  }
  s << "    h = " << c.block(depth) << "\n"
    << "    logits = " << c.exit("head") << "\n"
    << sure("    ")
    << "    prediction[rows] = logits.argmax(1)\n"
    << "    sureness[rows] = s.to(" << f32 << ")\n"
    << "    return prediction, sureness, exit_depth\n";
  return s.str();
}

}  // namespace

torch::jit::Module build_truncated_script(const ExportSource& src, int64_t depth, const ExportedExitRule* early_exit) {
  DepthwiseModel& model = src.model;
  model.check_depth(depth);
  const ScriptPlan plan = script_planner(model.kind())(src, depth, early_exit != nullptr);
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  // Python names its script classes __torch__.*; the importer resolves only that namespace.
  const std::string root = "__torch__.lpa_export." + model.kind();
  torch::jit::Module top = empty_module(root + ".Depth" + std::to_string(depth), cu);
  for (const auto* parts : {&plan.parts, &plan.exits})
    for (const auto& part : *parts) {
    torch::jit::Module piece = part.only.empty() ? mirror(*part.module, root + "." + part.name, cu)
                                                 : empty_module(root + "." + part.name, cu);
    for (const auto& [name, m] : part.only)
      if (name.empty()) copy_own_tensors(*m, piece);
      else piece.register_module(name, mirror(*m, root + "." + part.name + "_" + name, cu));
    for (const auto& [name, t] : part.extra_buffers) piece.register_buffer(name, frozen_copy(t));
    define_or_explain(piece, part.source, model.kind() + " " + part.name);
    top.register_module(part.name, piece);
    }
  define_or_explain(top, plan.source.empty() ? chain_source(plan) : plan.source, model.kind() + " (top)");
  if (early_exit)
    define_or_explain(top, early_exit_source(plan, depth, *early_exit), model.kind() + " (early exit)");
  top.eval();
  return top;
}

NamedTensors truncated_tensors(const ExportSource& src, int64_t depth, bool with_exits) {
  src.model.check_depth(depth);
  const ScriptPlan plan = script_planner(src.model.kind())(src, depth, with_exits);
  NamedTensors out;
  for (const auto* parts : {&plan.parts, &plan.exits})
    for (const auto& part : *parts)
      for (const auto& [name, t] : part_tensors(part)) out.emplace_back(part.name + "." + name, t);
  return out;
}

void save_script(torch::jit::Module& module, const std::string& path,
                 const std::map<std::string, std::string>& extra_files) {
  torch::jit::ExtraFilesMap extra(extra_files.begin(), extra_files.end());
  std::ostringstream bytes;
  module.save(bytes, extra);
  write_file_atomic(path, bytes.str());
}

}  // namespace lpa
