// Gradient averaging overlapped with backward, as PyTorch's DistributedDataParallel does it:
// parameters are packed in reverse order (the order backward produces their gradients) into
// buckets of at most bucket_bytes; a hook on each parameter copies its gradient into its
// bucket, and a bucket whose every gradient has arrived starts its all-reduce while backward
// goes on. Parameters the loss's graph does not reach (a dropped block, an exit not computed)
// count as zero from the start. Buckets start strictly in order, so every rank issues the same
// collectives in the same sequence. A gradient that arrives after its bucket started (outside
// the graph seen at the start: activation checkpointing's recomputed blocks) is still counted:
// that bucket is reduced again from the parameters' gradients after backward. Which gradients
// arrive late must be the same on every rank (it is: every rank runs the same graph, layer
// dropout's draws and the exits included), or the ranks' collectives would not match.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <vector>

#include "lpa/dist/communicator.h"
#include "lpa/train/gradient_sync.h"

namespace lpa::dist {

class GradientReducer : public GradientSync {
 public:
  GradientReducer(Communicator& comm, std::vector<torch::Tensor> params, int64_t bucket_bytes);
  ~GradientReducer() override;  // removes its hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  void before_backward(const torch::Tensor& loss) override;
  void after_backward() override;

  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }
  // Of the last backward: buckets whose all-reduce started before after_backward().
  int64_t started_during_backward() const { return started_during_backward_; }

 private:
  struct Slot {
    size_t bucket = 0;
    int64_t offset = 0, numel = 0;
    bool arrived = false;
  };
  struct Bucket {
    std::vector<size_t> params;  // indices into params_
    torch::Tensor flat;          // the bucket's gradients, packed
    size_t waiting = 0;          // gradients not yet arrived this step
    bool late = false;           // a gradient arrived after the all-reduce started
    std::unique_ptr<Communicator::Pending> pending;
  };
  void on_gradient(size_t param, const torch::Tensor& grad);
  void start_ready_buckets();
  void start(Bucket& b);

  Communicator& comm_;
  std::vector<torch::Tensor> params_;
  std::vector<unsigned> hooks_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  size_t next_to_start_ = 0;
  bool armed_ = false;
  int64_t started_during_backward_ = 0;
  std::mutex mutex_;  // hooks may run on autograd's device threads
};

}  // namespace lpa::dist
