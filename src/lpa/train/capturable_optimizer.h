// The optimiser update a CUDA graph can replay (train.cuda_graph). torch::optim's step() reads
// the learning rate and Adam's step count as host numbers, so a captured step() would replay the
// values of the step it was captured at forever. Here both are device tensors that prepare()
// sets before each replay, and the update is tensor operations only (PyTorch's
// `capturable=True` optimisers work the same way). The state is the torch::optim optimiser's
// own (moments, momentum buffers, step counts), updated in place: eager and captured steps
// interleave, and checkpoints are the same files.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace lpa {

class CapturableOptimizer {
 public:
  // `optimizer` (torch::optim Adam, AdamW or SGD with one parameter group, as make_optimizer
  // builds) must outlive this; its options are read from its parameter group.
  CapturableOptimizer(torch::optim::Optimizer& optimizer, const torch::Device& device);

  // Before each replay, outside the graph: this step's learning rate and (Adam) the count the
  // update makes, the host count of `params` + 1. Two fills on the device, no host read.
  // std::logic_error when `params` are not all at one step count (a captured step trains a
  // fixed set, so they move together).
  void prepare(double lr, const std::vector<torch::Tensor>& params);
  // The update of every parameter in `params` from its gradient, the same arithmetic as the
  // optimiser's own step(), reading the values prepare() set. Each parameter needs its state
  // already (an eager step creates it). Capturable: no host read, no allocation it keeps.
  void update(const std::vector<torch::Tensor>& params);
  // After the update ran: the host step counts advance as torch::optim's step() would have.
  void finish(const std::vector<torch::Tensor>& params);

 private:
  enum class Kind { adam, adamw, sgd };
  int64_t host_step(const torch::Tensor& p) const;
  Kind kind_;
  torch::optim::Optimizer& opt_;
  double beta1_ = 0, beta2_ = 0, eps_ = 0, weight_decay_ = 0, momentum_ = 0, dampening_ = 0;
  bool nesterov_ = false;
  torch::Tensor lr_, step_;  // 0-dim float64 on the device
};

}  // namespace lpa
