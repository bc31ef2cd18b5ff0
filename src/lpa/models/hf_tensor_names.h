// The one map between a Hugging Face checkpoint's tensor names and lpa's Transformer
// parameters, read in both directions: loading (model.pretrained) and writing back
// (lpa export --format hf), so the two cannot drift apart. Where the layouts differ the map says
// how: GPT-2's Conv1D weights are stored transposed; q, k and v projections are stacked into
// one qkv matrix; a SwiGLU MLP's gate and up projections into one fc1 matrix.
#pragma once
#include <string>

#include "lpa/export/safetensors.h"
#include "lpa/models/transformer.h"

namespace lpa {

// Copies `tensors` (any floating dtype; cast to the parameters' dtype) into `model`'s
// parameters. Every parameter must be filled: UserError naming `source` and the tensor that is
// missing or has the wrong shape. Tensors the model does not read (GPT-2's attn.bias buffers, a
// tied checkpoint's duplicate lm_head) are ignored; layers beyond model.depth() too.
void load_hf_tensors(Transformer& model, const std::string& model_type, const NamedTensors& tensors,
                     const std::string& source);

// The model truncated at `depth` under the checkpoint's own tensor names (the head of depth
// `depth` as the final norm and LM head), in `dtype`.
NamedTensors hf_tensors(Transformer& model, const std::string& model_type, int64_t depth, torch::Dtype dtype);

}  // namespace lpa
