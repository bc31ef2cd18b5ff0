// TorchScript pieces of the residual MLP (models/residual_mlp.h), in eval mode:
//   stem: linear(flatten(x)); block: h + fc2(act(fc1(norm(h)))); head: linear(h), or with
//   model.exit_width > 0 linear(act(exit_fc(h))), exit_fc being that exit's adapter.
#include <sstream>

#include "lpa/export/script_family.h"
#include "lpa/models/residual_mlp.h"

namespace lpa {

namespace {

std::string block_source(MlpBlockImpl& b) {
  std::ostringstream s;
  s << "def forward(self, h):\n";
  if (b.norm) {
    const auto& o = b.norm->options;
    s << "    z = torch.layer_norm(h, [";
    for (size_t i = 0; i < o.normalized_shape().size(); ++i) s << (i ? ", " : "") << o.normalized_shape()[i];
    s << "], self.norm.weight, self.norm.bias, " << script_float(o.eps()) << ")\n";
  } else {
    s << "    z = h\n";
  }
  // Activation names are the aten ops of activation.cpp (relu, gelu, tanh, silu).
  s << "    z = torch." << b.activation << "(torch.linear(z, self.fc1.weight, self.fc1.bias))\n"
    << "    return h + torch.linear(z, self.fc2.weight, self.fc2.bias)\n";
  return s.str();
}

// The head of depth `depth` as the piece `name`: the linear layer and, with adapters, this
// exit's adapter as exit_fc.
ScriptPart head_part(DepthwiseModel& model, int64_t depth, const std::string& name) {
  auto& head = dynamic_cast<MlpHeadImpl&>(model.head_module(depth));
  ScriptPart p = script_part(name, head, "");
  p.only = head.exit_pieces(dynamic_cast<ResidualMlp&>(model).exit_slot(depth));
  std::ostringstream s;
  s << "def forward(self, h):\n";
  if (head.exit_fcs.empty()) s << "    z = h\n";
  else s << "    z = torch." << head.activation << "(torch.linear(h, self.exit_fc.weight, self.exit_fc.bias))\n";
  s << "    return torch.linear(z, self.weight, self.bias)\n";
  p.source = s.str();
  return p;
}

}  // namespace

ScriptPlan plan_residual_mlp(const ExportSource& src, int64_t depth, bool with_exits) {
  DepthwiseModel& model = src.model;
  const std::string stem =
      "def forward(self, x):\n"
      "    return torch.linear(torch.flatten(x, 1), self.weight, self.bias)\n";
  ScriptPlan plan = chain_plan(
      model, depth, stem,
      [&](int64_t l) { return block_source(dynamic_cast<MlpBlockImpl&>(model.block_module(l))); }, "");
  plan.parts.back() = head_part(model, depth, "head");
  if (with_exits)
    for (int64_t l = 1; l < depth; ++l) plan.exits.push_back(head_part(model, l, "exit" + std::to_string(l)));
  return plan;
}

}  // namespace lpa
