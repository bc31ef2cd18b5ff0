#include "lpa/cli/save_outputs.h"

#include "lpa/errors.h"
#include "lpa/export/safetensors.h"

namespace lpa::cli {

void save_outputs(const std::string& path, const Dataset& data, Split split, int64_t samples,
                  const std::vector<DepthForward>& forwards) {
  if (samples < 1) throw UserError("--save-samples must be >= 1");
  const int64_t n = std::min(samples, data.size(split));
  Batch b = data.get(split, torch::arange(n, torch::kLong), false);
  NamedTensors tensors = {{"inputs", b.x}, {"targets", b.y}};
  torch::NoGradGuard no_grad;
  for (const auto& [depth, forward] : forwards)
    tensors.emplace_back("outputs_d" + std::to_string(depth), forward(b.x).to(torch::kCPU));
  write_safetensors(path, tensors, {{"split", to_string(split)}});
}

}  // namespace lpa::cli
