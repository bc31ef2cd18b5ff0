// One CUDA graph (LibTorch's at::cuda::CUDAGraph) behind an interface that compiles without
// CUDA: capture() records the kernels a piece of code launches, replay() launches them all again
// at once, on the same memory, so new values go in by copying into the tensors the capture read.
// A LibTorch without CUDA builds this file but cannot capture.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

namespace lpa {

// Why CUDA graphs cannot run on `device` with this build ("" when they can): not a CUDA device,
// or a LibTorch built without CUDA.
std::string cuda_graph_unsupported(const torch::Device& device);

class CudaGraph {
 public:
  CudaGraph();
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Records what `body` launches on `device`: on a side stream, the device synchronised before
  // and after, autocast's cast cache off (cached casts would be freed under the graph). Nothing
  // runs: replay() does. Tensors `body` allocates live in the graph's own memory pool and keep
  // their addresses for every replay. UserError where cuda_graph_unsupported(device) says why.
  void capture(const torch::Device& device, const std::function<void()>& body);
  // Launches the captured kernels on the current stream (no host wait).
  void replay();
  bool captured() const { return captured_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool captured_ = false;
};

}  // namespace lpa
