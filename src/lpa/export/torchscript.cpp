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

torch::jit::Module mirror(const torch::nn::Module& m, const std::string& type_name,
                          const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module j = empty_module(type_name, cu);
  for (const auto& p : m.named_parameters(/*recurse=*/false))
    j.register_parameter(p.key(), frozen_copy(p.value()), /*is_buffer=*/false);
  for (const auto& b : m.named_buffers(/*recurse=*/false)) j.register_buffer(b.key(), frozen_copy(b.value()));
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
  try {
    m.define(source);
  } catch (const c10::Error& e) {
    // The generated source is ours: a failure here is a bug of the family's exporter.
    // One line (main prints the first line of internal errors), source included.
    std::string msg = std::string("TorchScript source of ") + what + " does not compile: " +
                      e.what_without_backtrace() + " -- source: " + source;
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    throw std::runtime_error(msg);
  }
}

}  // namespace

torch::jit::Module build_truncated_script(const ExportSource& src, int64_t depth) {
  DepthwiseModel& model = src.model;
  model.check_depth(depth);
  const ScriptPlan plan = script_planner(model.kind())(src, depth);
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  // Python names its script classes __torch__.*; the importer resolves only that namespace.
  const std::string root = "__torch__.lpa_export." + model.kind();
  torch::jit::Module top = empty_module(root + ".Depth" + std::to_string(depth), cu);
  for (const auto& part : plan.parts) {
    torch::jit::Module piece = part.only.empty() ? mirror(*part.module, root + "." + part.name, cu)
                                                 : empty_module(root + "." + part.name, cu);
    for (const auto& [name, m] : part.only)
      piece.register_module(name, mirror(*m, root + "." + part.name + "_" + name, cu));
    for (const auto& [name, t] : part.extra_buffers) piece.register_buffer(name, frozen_copy(t));
    define_or_explain(piece, part.source, model.kind() + " " + part.name);
    top.register_module(part.name, piece);
  }
  define_or_explain(top, plan.source.empty() ? chain_source(plan) : plan.source, model.kind() + " (top)");
  top.eval();
  return top;
}

NamedTensors truncated_tensors(const ExportSource& src, int64_t depth) {
  src.model.check_depth(depth);
  const ScriptPlan plan = script_planner(src.model.kind())(src, depth);
  NamedTensors out;
  for (const auto& part : plan.parts)
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
