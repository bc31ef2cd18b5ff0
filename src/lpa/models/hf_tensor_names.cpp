#include "lpa/models/hf_tensor_names.h"

#include <map>

#include "lpa/errors.h"

namespace lpa {
namespace {

// One lpa parameter and the checkpoint tensors it is made of: `names` stacked along dim 0
// (`rows` each), or one Conv1D weight stored transposed.
struct Slot {
  std::vector<std::string> names;
  std::vector<int64_t> rows;
  torch::Tensor param;
  bool transposed = false;
};

void add(std::vector<Slot>& out, const std::string& name, const torch::Tensor& p, bool transposed = false) {
  if (p.defined()) out.push_back({{name}, {p.size(0)}, p, transposed});
}

std::string layer(const std::string& prefix, int64_t l) { return prefix + std::to_string(l - 1) + "."; }

std::vector<Slot> gpt2_slots(Transformer& m, int64_t depth, bool all_heads) {
  std::vector<Slot> s;
  add(s, "transformer.wte.weight", m.token_embedding());
  add(s, "transformer.wpe.weight", m.position_embedding());
  for (int64_t l = 1; l <= depth; ++l) {
    TransformerBlockImpl& b = m.transformer_block(l);
    const std::string h = layer("transformer.h.", l);
    add(s, h + "ln_1.weight", b.ln1->weight);
    add(s, h + "ln_1.bias", b.ln1->bias);
    add(s, h + "attn.c_attn.weight", b.attn->qkv->weight, true);
    add(s, h + "attn.c_attn.bias", b.attn->qkv->bias);
    add(s, h + "attn.c_proj.weight", b.attn->proj->weight, true);
    add(s, h + "attn.c_proj.bias", b.attn->proj->bias);
    add(s, h + "ln_2.weight", b.ln2->weight);
    add(s, h + "ln_2.bias", b.ln2->bias);
    add(s, h + "mlp.c_fc.weight", b.fc1->weight, true);
    add(s, h + "mlp.c_fc.bias", b.fc1->bias);
    add(s, h + "mlp.c_proj.weight", b.fc2->weight, true);
    add(s, h + "mlp.c_proj.bias", b.fc2->bias);
  }
  for (int64_t l = all_heads ? 1 : depth; l <= depth; ++l) {
    TransformerHeadImpl& hd = m.transformer_head(l);
    add(s, "transformer.ln_f.weight", hd.ln->weight);
    add(s, "transformer.ln_f.bias", hd.ln->bias);
  }
  return s;
}

std::vector<Slot> llama_slots(Transformer& m, int64_t depth, bool all_heads) {
  const BlockArch& a = m.arch().block;
  const int64_t q = a.heads * a.head_dim, kv = a.kv_heads * a.head_dim, hidden = a.mlp_hidden;
  std::vector<Slot> s;
  add(s, "model.embed_tokens.weight", m.token_embedding());
  for (int64_t l = 1; l <= depth; ++l) {
    TransformerBlockImpl& b = m.transformer_block(l);
    const std::string p = layer("model.layers.", l);
    add(s, p + "input_layernorm.weight", b.ln1->weight);
    const std::string at = p + "self_attn.";
    s.push_back({{at + "q_proj.weight", at + "k_proj.weight", at + "v_proj.weight"}, {q, kv, kv}, b.attn->qkv->weight});
    if (b.attn->qkv->bias.defined())
      s.push_back({{at + "q_proj.bias", at + "k_proj.bias", at + "v_proj.bias"}, {q, kv, kv}, b.attn->qkv->bias});
    add(s, at + "o_proj.weight", b.attn->proj->weight);
    add(s, at + "o_proj.bias", b.attn->proj->bias);
    add(s, p + "post_attention_layernorm.weight", b.ln2->weight);
    s.push_back({{p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"}, {hidden, hidden}, b.fc1->weight});
    if (b.fc1->bias.defined())
      s.push_back({{p + "mlp.gate_proj.bias", p + "mlp.up_proj.bias"}, {hidden, hidden}, b.fc1->bias});
    add(s, p + "mlp.down_proj.weight", b.fc2->weight);
    add(s, p + "mlp.down_proj.bias", b.fc2->bias);
  }
  for (int64_t l = all_heads ? 1 : depth; l <= depth; ++l) {
    TransformerHeadImpl& hd = m.transformer_head(l);
    add(s, "model.norm.weight", hd.ln->weight);
    // A classifier's projection is its own (classes x d), trained from scratch.
    if (hd.proj && m.language_model()) add(s, "lm_head.weight", hd.proj->weight);
  }
  return s;
}

std::vector<Slot> slots(Transformer& m, const std::string& type, int64_t depth, bool all_heads) {
  if (type == "gpt2") return gpt2_slots(m, depth, all_heads);
  if (type == "llama" || type == "mistral" || type == "qwen2") return llama_slots(m, depth, all_heads);
  throw UserError("model_type '" + type + "' has no tensor map (gpt2, llama, mistral, qwen2)");
}

std::string shape_of(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

void load_hf_tensors(Transformer& model, const std::string& type, const NamedTensors& tensors,
                     const std::string& source) {
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : tensors) by_name[name] = &t;
  // GPT-2 checkpoints saved from GPT2Model (the original openai-community/gpt2 file among them)
  // name their tensors without the "transformer." prefix.
  auto lookup = [&](const std::string& name) -> const torch::Tensor* {
    auto it = by_name.find(name);
    if (it != by_name.end()) return it->second;
    const std::string prefix = "transformer.";
    if (type == "gpt2" && name.rfind(prefix, 0) == 0) {
      it = by_name.find(name.substr(prefix.size()));
      if (it != by_name.end()) return it->second;
    }
    return nullptr;
  };
  torch::NoGradGuard no_grad;
  for (Slot& slot : slots(model, type, model.depth(), /*all_heads=*/true)) {
    std::vector<torch::Tensor> parts;
    for (size_t i = 0; i < slot.names.size(); ++i) {
      const torch::Tensor* t = lookup(slot.names[i]);
      if (!t) throw UserError(source + ": tensor '" + slot.names[i] + "' missing");
      if (!t->is_floating_point()) throw UserError(source + ": tensor '" + slot.names[i] + "' is not floating point");
      torch::Tensor part = slot.transposed ? t->t() : *t;
      const int64_t cols = slot.param.dim() == 2 ? slot.param.size(1) : -1;
      const bool fits = part.dim() == slot.param.dim() && part.size(0) == slot.rows[i] &&
                        (cols < 0 || part.size(1) == cols);
      if (!fits) {
        std::string expected = "[" + std::to_string(slot.rows[i]) + (cols >= 0 ? ", " + std::to_string(cols) : "") + "]";
        if (slot.transposed) expected = "[" + std::to_string(cols) + ", " + std::to_string(slot.rows[i]) + "]";
        throw UserError(source + ": tensor '" + slot.names[i] + "' has shape " + shape_of(*t) + ", expected " + expected);
      }
      parts.push_back(part);
    }
    slot.param.copy_(parts.size() == 1 ? parts[0] : torch::cat(parts, 0));
  }
}

NamedTensors hf_tensors(Transformer& model, const std::string& type, int64_t depth, torch::Dtype dtype) {
  model.check_depth(depth);
  NamedTensors out;
  torch::NoGradGuard no_grad;
  for (const Slot& slot : slots(model, type, depth, /*all_heads=*/false)) {
    torch::Tensor p = slot.param.detach().to(torch::kCPU, dtype);
    if (slot.transposed) {
      out.emplace_back(slot.names[0], p.t().contiguous());
      continue;
    }
    const auto parts = p.split_with_sizes(slot.rows, 0);
    for (size_t i = 0; i < slot.names.size(); ++i) out.emplace_back(slot.names[i], parts[i].contiguous());
  }
  return out;
}

}  // namespace lpa
