// TorchScript pieces of the residual MLP (models/residual_mlp.h), in eval mode:
//   stem: linear(flatten(x)); block: h + fc2(act(fc1(norm(h)))); head: linear(h).
#include <sstream>

#include "lpa/export/script_family.h"
#include "lpa/models/residual_mlp.h"

namespace lpa {

namespace {

const char* kLinear =
    "def forward(self, x):\n"
    "    return torch.linear(x, self.weight, self.bias)\n";

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

}  // namespace

ScriptPlan plan_residual_mlp(const ExportSource& src, int64_t depth, bool with_exits) {
  DepthwiseModel& model = src.model;
  const std::string stem =
      "def forward(self, x):\n"
      "    return torch.linear(torch.flatten(x, 1), self.weight, self.bias)\n";
  ScriptPlan plan = chain_plan(
      model, depth, stem,
      [&](int64_t l) { return block_source(dynamic_cast<MlpBlockImpl&>(model.block_module(l))); },
      kLinear);
  if (with_exits)
    for (int64_t l = 1; l < depth; ++l)
      plan.exits.push_back(script_part("exit" + std::to_string(l), model.head_module(l), kLinear));
  return plan;
}

}  // namespace lpa
