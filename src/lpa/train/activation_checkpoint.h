// train.activation_checkpointing: a block's activations are not kept for backward; backward
// runs the block again (the reentrant form of torch.utils.checkpoint), trading about one more
// forward per step for memory that no longer grows with depth x batch x sequence.
#pragma once
#include <torch/torch.h>

#include "lpa/models/depthwise_model.h"

namespace lpa {

// model.block(l, h), recomputed in backward: the same values and gradients (dropout replays the
// random numbers its forward drew; autocast as in the forward). Without grad mode it is
// model.block(l, h). The model's per-batch state (a Transformer's masks) must be that of the
// forward when backward runs, as it is in a training step.
torch::Tensor checkpointed_block(DepthwiseModel& model, int64_t l, const torch::Tensor& h);

}  // namespace lpa
