// The model truncated at depth k as a TorchScript module built from C++: parameters and
// buffers of the stem, blocks 1..k and the head used at k only, methods from the family's
// generated source (script_family.h). Loads with torch.jit.load (Python) and torch::jit::load.
#pragma once
#include <torch/script.h>

#include <map>
#include <string>

#include "lpa/export/export_info.h"
#include "lpa/export/safetensors.h"
#include "lpa/export/script_family.h"

namespace lpa {

// On CPU, in eval mode, parameters detached (no gradients). With an early-exit rule the module
// also holds exit<l> (l < depth) and a method
//   forward_early_exit(x) -> (prediction int64 [B], sureness float32 [B], exit_depth int64 [B])
// that runs block after block and keeps going only with the samples not yet sure enough, as
// early_exit_forward (eval/early_exit.h) does.
torch::jit::Module build_truncated_script(const ExportSource& src, int64_t depth,
                                          const ExportedExitRule* early_exit = nullptr);

// The tensors the truncated module holds, under the names it holds them: stem.*, block<l>.*
// (l = 1..k), head.*, and with exits exit<l>.* (l < k) -- the same names as the TorchScript
// module's state_dict. The tensors are the model's own (not copies), so copying into them
// loads weights back into the model.
NamedTensors truncated_tensors(const ExportSource& src, int64_t depth, bool with_exits = false);

// Saves with `extra_files` stored in the archive's extra/ folder (torch.jit.load's
// _extra_files). Written to a temporary name and renamed.
void save_script(torch::jit::Module& module, const std::string& path,
                 const std::map<std::string, std::string>& extra_files);

}  // namespace lpa
