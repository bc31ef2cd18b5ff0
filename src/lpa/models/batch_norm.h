// BatchNorm over the global batch of data-parallel training (SyncBatchNorm): in training, each
// process's per-channel sums are added over the processes before the mean and variance are
// taken, and the backward pass adds their gradients the same way, so P processes holding B/P
// samples each normalise, learn and track running statistics as one process holding all B
// would. Without a reduction (one process, or eval mode) it is the module's own forward.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

namespace lpa {

// In place, element-wise sum over the processes (the communicator's all-reduce).
using TensorAllReduce = std::function<void(std::vector<torch::Tensor>&)>;

// Shared by every BatchNorm of a model; empty until data-parallel training sets it.
struct BatchNormSync {
  TensorAllReduce all_reduce_sum;
};
using BatchNormSyncPtr = std::shared_ptr<BatchNormSync>;

torch::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, const BatchNormSync& sync);

// x summed over the processes, differentiable: the gradient is summed over them too.
torch::Tensor all_reduce_sum(const torch::Tensor& x, const TensorAllReduce& reduce);

}  // namespace lpa
