// TorchScript pieces of the byte-level Transformer (models/transformer.h), in eval mode. The
// model keeps the attention mask of a batch between stem() and block(); here the top-level
// forward builds it and hands it to every block, exactly as Transformer::stem does:
//   language model: causal mask, logits [B, T, vocab] from final LayerNorm + LM head (or the
//     token embedding when tied);
//   classifier: padding columns the batch shares dropped, [CLS] put first, padding masked
//     (and causal if model.causal), final LayerNorm, mean or [CLS] pooling, linear head.
#include <cmath>
#include <sstream>

#include "lpa/data/text_classification_dataset.h"
#include "lpa/errors.h"
#include "lpa/export/script_family.h"
#include "lpa/models/transformer.h"

namespace lpa {

namespace {

std::string layer_norm(const std::string& self, NormImpl& ln, const std::string& x) {
  std::ostringstream s;
  s << "torch.layer_norm(" << x << ", [" << ln.weight.size(0) << "], " << self << ".weight, " << self << ".bias, "
    << script_float(ln.eps) << ")";
  return s.str();
}

std::string linear(const std::string& self, torch::nn::LinearImpl& l, const std::string& x) {
  return "torch.linear(" + x + ", " + self + ".weight" + (l.options.bias() ? ", " + self + ".bias" : "") + ")";
}

// Pre-LayerNorm block: h + attn(ln1 h), then + fc2(gelu(fc1(ln2 .))). Attention as in
// SelfAttentionImpl::forward: one qkv projection, optional rotary, masked softmax.
std::string block_source(TransformerBlockImpl& b) {
  auto& a = *b.attn;
  const int64_t heads = a.heads, hd = a.head_dim;
  std::ostringstream s;
  s << "def forward(self, h, allowed):\n"
    << "    z = " << layer_norm("self.ln1", *b.ln1, "h") << "\n"
    << "    b = z.size(0)\n"
    << "    t = z.size(1)\n"
    << "    parts = " << linear("self.attn.qkv", *a.qkv, "z") << ".view([b, t, 3, " << heads << ", " << hd
    << "]).permute([2, 0, 3, 1, 4]).unbind(0)\n"
    << "    q = parts[0]\n    k = parts[1]\n    v = parts[2]\n";
  if (a.rotary) s << "    q = self.rotary(q)\n    k = self.rotary(k)\n";
  s << "    scores = torch.matmul(q, k.transpose(2, 3)) / " << script_float(std::sqrt(static_cast<double>(hd))) << "\n"
    << "    scores = scores.masked_fill(allowed.logical_not(), float(\"-inf\"))\n"
    << "    y = torch.matmul(torch.softmax(scores, -1), v).transpose(1, 2).reshape([b, t, " << heads * hd << "])\n"
    << "    x = h + " << linear("self.attn.proj", *a.proj, "y") << "\n"
    << "    return x + " << linear("self.fc2", *b.fc2, "torch.gelu(" + linear("self.fc1", *b.fc1, layer_norm("self.ln2", *b.ln2, "x")) + ")")
    << "\n";
  if (a.rotary) {
    // apply_rotary at offset 0 (a whole sequence), same operations in the same order.
    s << "\ndef rotary(self, x):\n"
      << "    t = x.size(2)\n    dim = x.size(3)\n    half = dim // 2\n"
      << "    inv_freq = torch.pow(10000.0, -torch.arange(0, half, dtype=" << static_cast<int>(torch::kFloat32)
      << ", device=x.device) * (2.0 / dim))\n"
      << "    angle = torch.outer(torch.arange(0, t, dtype=" << static_cast<int>(torch::kFloat32)
      << ", device=x.device), inv_freq)\n"
      << "    cos = angle.cos().to(x.dtype)\n    sin = angle.sin().to(x.dtype)\n"
      << "    x1 = x.narrow(3, 0, half)\n    x2 = x.narrow(3, half, half)\n"
      << "    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], 3)\n";
  }
  return s.str();
}

}  // namespace

ScriptPlan plan_transformer(const ExportSource& src, int64_t depth, bool with_exits) {
  DepthwiseModel& model = src.model;
  const ModelSection& c = src.cfg.model;
  // The script below is lpa's own block (LayerNorm, GELU, one head count); a pretrained
  // checkpoint's family goes back to its own format.
  if (!c.pretrained.empty())
    throw UserError("lpa export: a model started from model.pretrained exports as --format hf");
  const bool lm = src.spec.task == Task::language_model;
  const bool tied = lm && c.tie_weights, rotary = c.positions == "rotary";
  const int kLong = static_cast<int>(torch::kLong);

  // The embedding module's children: tokens, positions (learned only), drop.
  std::ostringstream stem;
  stem << "def forward(self, tokens):\n    h = torch.embedding(self.tokens.weight, tokens)\n";
  if (!rotary) stem << "    h = h + torch.embedding(self.positions.weight, torch.arange(tokens.size(1), device=tokens.device))\n";
  stem << "    return h\n";

  // Every exit's head has the same code: final LayerNorm, then the projection (language
  // model) or pooling and the projection (classifier).
  auto head_source = [&](int64_t l) {
    auto& head = dynamic_cast<TransformerHeadImpl&>(model.head_module(l));
    std::ostringstream hs;
    if (lm) {
      hs << "def forward(self, h" << (tied ? ", tied" : "") << "):\n"
         << "    z = " << layer_norm("self.ln", *head.ln, "h") << "\n"
         << "    return " << (tied ? "torch.linear(z, tied)" : linear("self.proj", *head.proj, "z")) << "\n";
    } else {
      hs << "def forward(self, h, keep):\n"
         << "    z = " << layer_norm("self.ln", *head.ln, "h") << "\n";
      if (c.pool == "cls") {
        hs << "    pooled = z.select(1, 0)\n";
      } else {
        hs << "    m = keep.unsqueeze(-1).to(z.dtype)\n    pooled = (z * m).sum(1) / m.sum(1)\n";
      }
      hs << "    return " << linear("self.proj", *head.proj, "pooled") << "\n";
    }
    return hs.str();
  };

  ScriptPlan plan = chain_plan(
      model, depth, stem.str(),
      [&](int64_t l) { return block_source(dynamic_cast<TransformerBlockImpl&>(model.block_module(l))); },
      head_source(depth));
  if (with_exits)
    for (int64_t l = 1; l < depth; ++l)
      plan.exits.push_back(script_part("exit" + std::to_string(l), model.head_module(l), head_source(l)));

  std::ostringstream top, prologue;
  prologue << "    tokens = x.to(" << kLong << ")\n";
  if (lm) {
    prologue << "    pos = torch.arange(tokens.size(1), device=tokens.device)\n"
             << "    allowed = pos.unsqueeze(1) >= pos.unsqueeze(0)\n";
  } else {
    prologue << "    used = int(tokens.ne(" << kPadToken << ").sum(1).max())\n"
             << "    tokens = torch.cat([torch.full_like(tokens.narrow(1, 0, 1), " << kClsToken
             << "), tokens.narrow(1, 0, used)], 1)\n"
             << "    keep = tokens.ne(" << kPadToken << ")\n"
             << "    allowed = keep.view([tokens.size(0), 1, 1, tokens.size(1)])\n";
    if (c.causal)
      prologue << "    pos = torch.arange(tokens.size(1), device=tokens.device)\n"
               << "    allowed = allowed.logical_and(pos.unsqueeze(1) >= pos.unsqueeze(0))\n";
  }
  prologue << "    h = self.stem.forward(tokens)\n";
  top << "def forward(self, x):\n" << prologue.str();
  for (int64_t l = 1; l <= depth; ++l) top << "    h = self.block" << l << ".forward(h, allowed)\n";
  if (lm) top << "    return self.head.forward(h" << (tied ? ", self.stem.tokens.weight" : "") << ")\n";
  else top << "    return self.head.forward(h, keep)\n";
  // Early exit is for classifiers: the masks are per sample and follow the samples that go on.
  plan.exit_calls.prologue = prologue.str();
  plan.exit_calls.state = {"keep", "allowed"};
  plan.exit_calls.block = [](int64_t l) { return "self.block" + std::to_string(l) + ".forward(h, allowed)"; };
  plan.exit_calls.exit = [](const std::string& part) { return "self." + part + ".forward(h, keep)"; };
  plan.source = top.str();
  return plan;
}

}  // namespace lpa
