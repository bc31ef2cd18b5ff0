// train.cuda_graph: the training step captured as CUDA graphs and replayed. A small model's step
// is bound by kernel launches (hundreds of tiny kernels per step), not by arithmetic; a replay
// launches the whole step - forward through every exit the step computes, backward, gradient
// clipping, the optimiser update - at once. Each step's batch is copied into the static inputs
// the capture read; its outputs are copied out of the static outputs it wrote (a later replay
// overwrites them). One graph per kind of step (a step that logs computes every exit; the others
// only what the loss needs), captured the first time that kind comes with a batch of that shape.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>

#include "lpa/data/dataset.h"
#include "lpa/objectives/objective.h"
#include "lpa/train/cuda_graph.h"

namespace lpa {

class GraphedStep {
 public:
  explicit GraphedStep(torch::Device device) : device_(device) {}

  // Whether kind `kind` has a graph captured for batches shaped like `b`.
  bool ready(int kind, const Batch& b) const;
  // Captures `body` for kind `kind`, run on static copies of `b` (the body must not read the
  // host back or allocate what it keeps outside the graph). Runs nothing: replay() does.
  void capture(int kind, const Batch& b, const std::function<LossOutput(const Batch&)>& body);
  // Copies `b` into kind `kind`'s static inputs, replays its graph, and returns copies of the
  // outputs the body returned at capture (computed anew by this replay).
  LossOutput replay(int kind, const Batch& b);

 private:
  struct Captured {
    std::unique_ptr<CudaGraph> graph;
    Batch inputs;
    LossOutput outputs;
  };
  torch::Device device_;
  std::map<int, Captured> graphs_;
};

}  // namespace lpa
