// The one place lpa touches c10d, the engine under torch.distributed. Its C++ API moved
// between LibTorch 1.13 and 2.x (ProcessGroup -> Backend, Work's namespace, option structs),
// so everything else sees only this small interface.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "lpa/dist/rendezvous.h"

namespace lpa::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int64_t rank() const = 0;
  virtual int64_t world_size() const = 0;
  virtual std::string backend() const = 0;
  // In place, element-wise over all ranks; tensors must be contiguous and on the group's device.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  virtual void all_reduce_max(std::vector<torch::Tensor>& tensors) = 0;
  // A sum in flight: the tensor it was started on must not be touched until wait() returns.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };
  // Starts an in-place sum over all ranks and returns at once (the gradient reducer overlaps
  // it with the rest of backward). Every rank must start the same sums in the same order.
  virtual std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor& tensor) = 0;
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int64_t root) = 0;
  virtual void barrier() = 0;
};

// "gloo" (CPU tensors), "nccl" (CUDA tensors, only where LibTorch has CUDA and NCCL), or
// "auto" (nccl for a CUDA device, else gloo). Connects through a TCPStore served by rank 0 at
// master_addr:port and returns once every rank has joined (or throws UserError on timeout).
std::unique_ptr<Communicator> connect(const Rendezvous& rv, const std::string& backend,
                                      const torch::Device& device, std::chrono::seconds timeout);

// Which backends this build can create: "gloo", "nccl" (for --version and error messages).
std::vector<std::string> available_backends();

}  // namespace lpa::dist
