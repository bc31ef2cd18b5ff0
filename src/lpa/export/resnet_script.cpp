// TorchScript pieces of the CIFAR-style ResNet (models/resnet.h), in eval mode: convolutions,
// batch norm on running statistics, global average pool + linear heads. The head at depth k
// keeps only what depth k uses: the linear layer, in the pre-activation network the one
// BatchNorm of that exit, and that exit's adapter (model.exit_width).
#include <sstream>

#include "lpa/export/script_family.h"
#include "lpa/models/resnet.h"

namespace lpa {

namespace {

// conv(x) with the options of `c` (resnet.cpp pads k/2 and has no bias unless asked).
std::string conv(const std::string& self, torch::nn::Conv2dImpl& c, const std::string& x) {
  const auto& o = c.options;
  const int64_t k = c.weight.size(2);
  std::ostringstream s;
  s << "torch.conv2d(" << x << ", " << self << ".weight, " << (o.bias() ? self + ".bias" : "None") << ", ["
    << (*o.stride())[0] << ", " << (*o.stride())[1] << "], [" << k / 2 << ", " << k / 2 << "], ["
    << (*o.dilation())[0] << ", " << (*o.dilation())[1] << "], " << o.groups() << ")";
  return s.str();
}

// Batch norm in eval mode: the running statistics, never the batch's.
std::string bn(const std::string& self, torch::nn::BatchNorm2dImpl& b, const std::string& x) {
  std::ostringstream s;
  s << "torch.batch_norm(" << x << ", " << self << ".weight, " << self << ".bias, " << self << ".running_mean, "
    << self << ".running_var, False, 0.0, " << script_float(b.options.eps()) << ", False)";
  return s.str();
}

std::string act(const std::string& name, const std::string& x) { return "torch." + name + "(" + x + ")"; }

std::string stem_source(ResNetStemImpl& m) {
  std::string h = conv("self.conv", *m.conv, "x");
  if (m.bn) h = act(m.activation, bn("self.bn", *m.bn, h));
  return "def forward(self, x):\n    return " + h + "\n";
}

std::string block_source(BasicBlockImpl& b) {
  std::ostringstream s;
  s << "def forward(self, h):\n";
  if (b.preact) {
    s << "    a = " << act(b.activation, bn("self.bn1", *b.bn1, "h")) << "\n";
    s << "    shortcut = " << (b.has_projection() ? conv("self.proj", *b.proj, "a") : "h") << "\n";
    s << "    y = " << conv("self.conv1", *b.conv1, "a") << "\n";
    s << "    y = " << conv("self.conv2", *b.conv2, act(b.activation, bn("self.bn2", *b.bn2, "y"))) << "\n";
    s << "    return y + shortcut\n";
  } else {
    s << "    y = " << act(b.activation, bn("self.bn1", *b.bn1, conv("self.conv1", *b.conv1, "h"))) << "\n";
    s << "    y = " << bn("self.bn2", *b.bn2, conv("self.conv2", *b.conv2, "y")) << "\n";
    s << "    shortcut = "
      << (b.has_projection() ? bn("self.proj_bn", *b.proj_bn, conv("self.proj", *b.proj, "h")) : "h") << "\n";
    s << "    return " << act(b.activation, "y + shortcut") << "\n";
  }
  return s.str();
}

// The head of depth `depth` as the piece `name`: its linear layer and, where the head has
// per-exit norms or adapters, this exit's.
ScriptPart head_part(DepthwiseModel& model, int64_t depth, const std::string& name) {
  auto& head = dynamic_cast<ResNetHeadImpl&>(model.head_module(depth));
  ScriptPart h;
  h.name = name;
  h.module = &head;
  const int64_t slot = dynamic_cast<ResNet&>(model).exit_slot(depth);
  h.only = head.exit_pieces(slot);
  std::string z = "h";
  if (!head.norms.empty()) z = act(head.activation, bn("self.norm", *head.norms.at(slot), "h"));
  if (!head.exit_convs.empty())
    z = act(head.activation,
            bn("self.exit_bn", *head.exit_norms.at(slot), conv("self.exit_conv", *head.exit_convs.at(slot), z)));
  h.source = "def forward(self, h):\n    return torch.linear(torch.mean(" + z +
             ", [2, 3]), self.fc.weight, self.fc.bias)\n";
  return h;
}

}  // namespace

ScriptPlan plan_resnet(const ExportSource& src, int64_t depth, bool with_exits) {
  DepthwiseModel& model = src.model;
  auto& stem = dynamic_cast<ResNetStemImpl&>(model.stem_module());
  ScriptPlan plan = chain_plan(
      model, depth, stem_source(stem),
      [&](int64_t l) { return block_source(dynamic_cast<BasicBlockImpl&>(model.block_module(l))); }, "");
  plan.parts.back() = head_part(model, depth, "head");
  if (with_exits)
    for (int64_t l = 1; l < depth; ++l) plan.exits.push_back(head_part(model, l, "exit" + std::to_string(l)));
  return plan;
}

}  // namespace lpa
