#include "lpa/models/hf_checkpoint.h"

#include <filesystem>
#include <map>
#include <set>

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/io/json.h"

namespace lpa {
namespace {

namespace fs = std::filesystem;

// One config.json value with the family's default when the key is absent (or null).
class ConfigReader {
 public:
  ConfigReader(const Json& j, std::string file) : j_(j), file_(std::move(file)) {}

  int64_t size(const char* key, std::optional<int64_t> fallback = std::nullopt) const {
    const Json* v = find(key);
    if (!v) {
      if (fallback) return *fallback;
      throw UserError(file_ + ": " + key + ": missing");
    }
    if (!v->is_number_integer() || v->get<int64_t>() < 1)
      throw UserError(file_ + ": " + key + ": expected a positive integer, got " + v->dump());
    return v->get<int64_t>();
  }
  double number(const char* key, double fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) throw UserError(file_ + ": " + key + ": expected a number, got " + v->dump());
    return v->get<double>();
  }
  bool flag(const char* key, bool fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) throw UserError(file_ + ": " + key + ": expected true or false, got " + v->dump());
    return v->get<bool>();
  }
  std::string text(const char* key, const std::string& fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) throw UserError(file_ + ": " + key + ": expected a string, got " + v->dump());
    return v->get<std::string>();
  }
  // bos/eos: an id, a list of ids (the first is the one lpa uses), or absent.
  std::optional<int64_t> token(const char* key) const {
    const Json* v = find(key);
    if (!v) return std::nullopt;
    if (v->is_array() && !v->empty()) v = &v->front();
    if (!v->is_number_integer()) throw UserError(file_ + ": " + key + ": expected a token id, got " + v->dump());
    return v->get<int64_t>();
  }
  const Json* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void unsupported(const char* key, const std::string& why) const {
    throw UserError(file_ + ": " + key + ": " + why);
  }

 private:
  const Json& j_;
  std::string file_;
};

TransformerArch gpt2_arch(const ConfigReader& c) {
  TransformerArch a;
  a.family = "gpt2";
  BlockArch& b = a.block;
  b.d_model = c.size("n_embd");
  b.heads = b.kv_heads = c.size("n_head");
  if (b.d_model % b.heads != 0) c.unsupported("n_head", "must divide n_embd");
  b.head_dim = b.d_model / b.heads;
  b.mlp_hidden = c.size("n_inner", 4 * b.d_model);
  b.norm = NormKind::layer;
  b.norm_eps = c.number("layer_norm_epsilon", 1e-5);
  const std::string act = c.text("activation_function", "gelu_new");
  if (act == "gelu_new" || act == "gelu_pytorch_tanh") b.mlp = MlpKind::gelu_tanh;
  else if (act == "gelu") b.mlp = MlpKind::gelu;
  else c.unsupported("activation_function", "'" + act + "' is not supported (gelu_new, gelu_pytorch_tanh, gelu)");
  if (c.flag("scale_attn_by_inverse_layer_idx", false) || c.flag("reorder_and_upcast_attn", false))
    c.unsupported("scale_attn_by_inverse_layer_idx", "GPT-2 attention variants are not supported");
  if (!c.flag("scale_attn_weights", true)) c.unsupported("scale_attn_weights", "unscaled attention is not supported");
  a.depth = c.size("n_layer");
  a.vocabulary = c.size("vocab_size");
  a.context = c.size("n_positions", 1024);
  a.tied = true;  // GPT2LMHeadModel always ties its head to wte
  return a;
}

RopeScaling rope_scaling(const Json& j, const ConfigReader& c) {
  if (!j.is_object()) c.unsupported("rope_scaling", "expected an object or null, got " + j.dump());
  const ConfigReader r(j, "");
  RopeScaling s;
  s.type = r.text("rope_type", r.text("type", "default"));
  if (s.type == "default") return s;
  if (s.type != "linear" && s.type != "llama3")
    c.unsupported("rope_scaling", "type '" + s.type + "' is not supported (default, linear, llama3)");
  auto positive = [&](const char* key, double fallback) {
    const double v = r.number(key, fallback);
    if (!(v > 0)) c.unsupported("rope_scaling", std::string(key) + " must be > 0, got " + std::to_string(v));
    return v;
  };
  s.factor = positive("factor", -1);
  if (s.type == "llama3") {
    s.low_freq_factor = positive("low_freq_factor", -1);
    s.high_freq_factor = positive("high_freq_factor", -1);
    s.original_context = positive("original_max_position_embeddings", -1);
    if (s.high_freq_factor <= s.low_freq_factor)
      c.unsupported("rope_scaling", "high_freq_factor must exceed low_freq_factor");
  }
  return s;
}

TransformerArch llama_arch(const ConfigReader& c, const std::string& type) {
  TransformerArch a;
  a.family = "llama";
  BlockArch& b = a.block;
  b.d_model = c.size("hidden_size");
  b.heads = c.size("num_attention_heads");
  b.kv_heads = c.size("num_key_value_heads", b.heads);
  if (b.heads % b.kv_heads != 0) c.unsupported("num_key_value_heads", "must divide num_attention_heads");
  b.head_dim = c.size("head_dim", b.d_model / b.heads);
  if (b.head_dim % 2 != 0) c.unsupported("head_dim", "rotary positions need an even head dimension");
  b.mlp_hidden = c.size("intermediate_size");
  b.norm = NormKind::rms;
  b.norm_eps = c.number("rms_norm_eps", 1e-6);
  b.mlp = MlpKind::swiglu;
  const std::string act = c.text("hidden_act", "silu");
  if (act != "silu") c.unsupported("hidden_act", "'" + act + "' is not supported (the SwiGLU MLP uses silu)");
  b.rotary = true;
  b.rope_theta = c.number("rope_theta", 10000.0);
  if (const Json* rs = c.find("rope_scaling")) b.rope_scaling = rope_scaling(*rs, c);
  if (type == "qwen2") {
    b.qkv_bias = true;  // Qwen2: biased q, k, v; unbiased output projection
    b.out_bias = false;
  } else {
    b.qkv_bias = b.out_bias = c.flag("attention_bias", false);
  }
  b.mlp_bias = c.flag("mlp_bias", false);
  a.depth = c.size("num_hidden_layers");
  a.vocabulary = c.size("vocab_size");
  a.context = c.size("max_position_embeddings", 2048);
  a.tied = c.flag("tie_word_embeddings", false);
  return a;
}

std::string index_file(const std::string& dir) { return (fs::path(dir) / "model.safetensors.index.json").string(); }

}  // namespace

bool is_hf_checkpoint(const std::string& dir) {
  const fs::path config = fs::path(dir) / "config.json";
  if (!fs::is_regular_file(config)) return false;
  try {
    const Json j = read_json_file(config.string());
    return j.is_object() && j.contains("model_type");
  } catch (const UserError&) {
    return false;
  }
}

HfCheckpoint read_hf_config(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UserError("model.pretrained: " + dir + ": no such folder");
  const std::string file = (fs::path(dir) / "config.json").string();
  if (!fs::is_regular_file(file)) throw UserError(file + ": no such file");
  const Json j = read_json_file(file);
  if (!j.is_object()) throw UserError(file + ": expected a JSON object");
  const ConfigReader c(j, file);
  HfCheckpoint ck;
  ck.dir = dir;
  ck.config_json = read_file(file);
  ck.model_type = c.text("model_type", "");
  if (ck.model_type == "gpt2") ck.arch = gpt2_arch(c);
  else if (ck.model_type == "llama" || ck.model_type == "mistral" || ck.model_type == "qwen2")
    ck.arch = llama_arch(c, ck.model_type);
  else
    throw UserError(file + ": model_type: '" + ck.model_type + "' is not supported (gpt2, llama, mistral, qwen2)");
  const std::string dtype = c.text("torch_dtype", "float32");
  if (dtype == "float32") ck.dtype = torch::kFloat;
  else if (dtype == "bfloat16") ck.dtype = torch::kBFloat16;
  else if (dtype == "float16") ck.dtype = torch::kHalf;
  else c.unsupported("torch_dtype", "'" + dtype + "' is not supported (float32, bfloat16, float16)");
  ck.bos_id = c.token("bos_token_id");
  ck.eos_id = c.token("eos_token_id");
  return ck;
}

NamedTensors read_hf_tensors(const std::string& dir) {
  const fs::path single = fs::path(dir) / "model.safetensors";
  if (fs::is_regular_file(single)) return read_safetensors(single.string()).tensors;
  const std::string index = index_file(dir);
  if (!fs::is_regular_file(index))
    throw UserError(dir + ": no model.safetensors and no model.safetensors.index.json (only safetensors "
                    "checkpoints are read; convert a pytorch_model.bin first)");
  const Json j = read_json_file(index);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw UserError(index + ": expected an object with a weight_map");
  std::map<std::string, std::set<std::string>> by_file;  // shard -> the tensors the index puts there
  for (const auto& [name, shard] : j["weight_map"].items()) {
    if (!shard.is_string()) throw UserError(index + ": weight_map." + name + ": expected a file name");
    const std::string f = shard.get<std::string>();
    if (fs::path(f).filename().string() != f) throw UserError(index + ": weight_map." + name + ": '" + f + "' is not a file in the folder");
    by_file[f].insert(name);
  }
  NamedTensors all;
  for (const auto& [shard, names] : by_file) {
    const std::string path = (fs::path(dir) / shard).string();
    if (!fs::is_regular_file(path)) throw UserError(index + ": names " + shard + ", which is not in " + dir);
    std::set<std::string> found;
    for (auto& [name, t] : read_safetensors(path).tensors) {
      if (!names.count(name)) throw UserError(path + ": tensor '" + name + "' is not mapped to this file by " + index);
      found.insert(name);
      all.emplace_back(name, std::move(t));
    }
    for (const auto& name : names)
      if (!found.count(name)) throw UserError(path + ": tensor '" + name + "' missing (" + index + " maps it here)");
  }
  return all;
}

std::string hf_config_at_depth(const HfCheckpoint& ck, int64_t depth) {
  Json j = parse_json(ck.config_json);
  j[ck.model_type == "gpt2" ? "n_layer" : "num_hidden_layers"] = depth;
  return j.dump(2) + "\n";
}

}  // namespace lpa
