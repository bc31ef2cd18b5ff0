// `lpa bench --cuda-graph` and `lpa predict --cuda-graph`: the forward pass at one depth and one
// batch size captured as a CUDA graph and replayed, so a small model pays one launch per batch
// instead of one per kernel. A batch of fewer rows is padded to the captured size (rows do not
// mix in eval mode) and the output cut back to its rows.
#pragma once
#include <torch/torch.h>

#include "lpa/models/depthwise_model.h"
#include "lpa/train/cuda_graph.h"

namespace lpa {

class GraphedForward {
 public:
  // Captures model.forward(x, depth) (eval mode, no gradients) for inputs shaped like `example`
  // ([B, ...] on the model's CUDA device), after `warmup` eager passes (library autotuning must
  // not happen under capture). UserError where CUDA graphs are not available there.
  GraphedForward(DepthwiseModel& model, int64_t depth, const torch::Tensor& example, int64_t warmup = 2);
  // The prediction for `x` (at most the captured batch of rows, same sample shape): a tensor of
  // its own, not the graph's output buffer.
  torch::Tensor operator()(const torch::Tensor& x);
  // Replays on the inputs already in place (timing: no copy in, none out).
  void replay() { graph_.replay(); }
  int64_t batch() const { return input_.size(0); }

 private:
  CudaGraph graph_;
  torch::Tensor input_, output_;
};

}  // namespace lpa
