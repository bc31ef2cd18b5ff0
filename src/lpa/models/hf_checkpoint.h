// Hugging Face-layout checkpoint folders (model.pretrained, lpa export --format hf): config.json,
// then model.safetensors, or shards model-0000k-of-0000n.safetensors named by
// model.safetensors.index.json. Two architecture families map onto lpa's Transformer
// (models/transformer.h; every decoder layer is a depth, the exit is the final norm + LM head):
//   gpt2                       learned positions, LayerNorm, GELU (tanh) MLP, tied head;
//   llama, mistral, qwen2      RMSNorm, rotary positions (rope_theta), SwiGLU MLP, grouped-query
//                              attention, optional attention biases, tied or untied head.
#pragma once
#include <optional>
#include <string>

#include "lpa/export/safetensors.h"
#include "lpa/models/transformer.h"

namespace lpa {

struct HfCheckpoint {
  std::string dir;
  std::string model_type;       // as config.json says: gpt2 | llama | mistral | qwen2
  std::string config_json;      // config.json's text, for writing it back at another depth
  TransformerArch arch;         // depth = every layer the checkpoint has
  std::optional<int64_t> bos_id, eos_id;
  torch::Dtype dtype = torch::kFloat;  // torch_dtype: what its weights are stored in
};

// Reads DIR/config.json. UserError naming the file and key: no such folder or file, malformed
// JSON, an unknown model_type, a missing or inconsistent size, an unsupported option
// (rope_scaling, a hidden activation other than the family's).
HfCheckpoint read_hf_config(const std::string& dir);

// Every tensor of the checkpoint, in their stored dtypes (fp32, fp16 or bf16), from the single
// file or from every shard the index names. UserError naming the file: none found, a shard the
// index names is missing, a tensor the index maps to one shard is in another or in none.
NamedTensors read_hf_tensors(const std::string& dir);

// True when DIR looks like such a folder (holds config.json with a model_type).
bool is_hf_checkpoint(const std::string& dir);

// config.json's text with the layer count set to `depth` (n_layer / num_hidden_layers), every
// other key as it was.
std::string hf_config_at_depth(const HfCheckpoint& ck, int64_t depth);

}  // namespace lpa
