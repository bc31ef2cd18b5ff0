// The one interface every architecture meets: a residual trajectory h_0 = stem(x),
// h_l = block(l, h_{l-1}), and a prediction head(l, h_l) readable at every depth l = 1..depth().
// Objectives, evaluation, export and early exit see models only through this interface.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lpa {

struct ForwardOptions {
  // LPA local mode: block l (l >= 2) sees sg(h_{l-1}), so the depth-l loss trains only block l
  // (and the head). h_0 is not cut, so the stem learns together with block 1.
  bool stop_gradient = false;
  // Layer dropout while training (LayerDrop / LayerSkip): block l is skipped (h_l = h_{l-1})
  // with probability layer_drop_rate(). Ignored in eval mode.
  double layer_drop = 0.0;
  // The rate's rise with depth: linear layer_drop * l / depth, or LayerSkip's exponential
  // layer_drop * (2^((l-1)/(depth-1)) - 1), which never drops block 1.
  bool layer_drop_exponential = false;
  // The skips are drawn on the host from a generator seeded with this (objectives: train.seed
  // and the step), so every data-parallel rank skips the same blocks and a resumed run draws
  // what an uninterrupted one would; < 0: LibTorch's global generator.
  int64_t layer_drop_seed = -1;
  // Which exits to compute (index l-1); empty = all. Skipped exits come back undefined.
  std::vector<bool> exits;
  // Gradient equilibrium (IMTA): at h_l, the gradient into head l is scaled by 1/n_l and the
  // gradient coming back from block l+1 by (n_l − 1)/n_l, n_l = computed exits at depth >= l,
  // so every block receives the mean of the gradients of the exits at or after it. Values
  // are unchanged.
  bool gradient_equilibrium = false;
  // loss.head_gradient: normalised. When defined (CPU float64, one entry per depth, s_l), the
  // gradient reaching head l's prediction is divided by s_l and the gradient leaving the head
  // into h_l multiplied back by s_l: the head's parameters get 1/s_l of their gradient, the
  // trunk exactly its own. Read in backward, so the objective can fill it after the forward
  // pass. Values are unchanged.
  torch::Tensor head_gradient_scales;
  // Runs block l on h in place of model.block(l, h) when set: train.activation_checkpointing
  // recomputes each block in backward instead of storing its activations (train/activation_checkpoint.h).
  std::function<torch::Tensor(int64_t l, const torch::Tensor& h)> run_block;
};

class DepthwiseModel : public torch::nn::Module {
 public:
  virtual int64_t depth() const = 0;
  virtual std::string kind() const = 0;
  virtual torch::Tensor stem(const torch::Tensor& x) = 0;             // h_0
  virtual torch::Tensor block(int64_t l, const torch::Tensor& h) = 0;  // h_l from h_{l-1}
  virtual torch::Tensor head(int64_t l, const torch::Tensor& h) = 0;   // prediction at depth l
  // head(depths[i], hs[i]) for every i, all in one call: a model whose exits share one head
  // evaluates it once on the exits stacked along the batch (few large operations instead of
  // many small ones). The default calls head() for each.
  virtual std::vector<torch::Tensor> heads(const std::vector<int64_t>& depths,
                                           const std::vector<torch::Tensor>& hs);

  // The modules behind each piece, for freezing (sequential LPA), export of a truncated model,
  // and parameter counts. head_module(l) may return the same module for every l.
  virtual torch::nn::Module& stem_module() = 0;
  virtual torch::nn::Module& block_module(int64_t l) = 0;
  virtual torch::nn::Module& head_module(int64_t l) = 0;
  // The parameters and buffers exit l reads, named within its head: all of head_module(l),
  // unless a head keeps pieces per exit it serves (a ResNet's per-exit norms and adapters):
  // those appear under one name whatever the exit's place in its head, so exit l of a model
  // with heads per stage and of one with heads per depth match name by name (probes copy them).
  virtual std::vector<std::pair<std::string, torch::Tensor>> exit_tensors(int64_t l);

  // Whether layer dropout may skip block l (h_l = h_{l-1}): not for blocks that change the
  // trajectory's shape (a ResNet's downsampling blocks).
  virtual bool skippable(int64_t /*l*/) const { return true; }

  // Data-parallel training: normalisation layers that depend on the batch (a ResNet's
  // BatchNorm) compute their training statistics over every process's samples through this
  // all-reduce (models/batch_norm.h). Models without such layers ignore it.
  virtual void synchronise_batch_norm(std::function<void(std::vector<torch::Tensor>&)> /*all_reduce_sum*/) {}

  // Early exit drops the samples that are done: the per-sample state stem() recorded for the
  // batch (a Transformer classifier's padding and attention masks) keeps only the rows
  // `rows` (int64 indices into the current batch) for the blocks and heads that follow.
  virtual void keep_samples(const torch::Tensor& /*rows*/) {}

  // Forward FLOPs (multiply-adds x 2) per sample of the model truncated at `depth`.
  virtual double flops_per_sample(int64_t depth) const = 0;
  // Of those, the head of depth `depth` alone: what an early-exit model pays again at every
  // exit it tries.
  virtual double head_flops_per_sample(int64_t depth) const = 0;

  // All predictions up to max_depth in ONE pass: the cost of one forward plus the heads.
  std::vector<torch::Tensor> forward_all(const torch::Tensor& x, int64_t max_depth,
                                         const ForwardOptions& options = {});
  // The prediction of the model truncated at `depth` (no other heads computed).
  torch::Tensor forward(const torch::Tensor& x, int64_t depth);

  // Parameters of stem + blocks 1..depth + those of head(depth) that exit_tensors(depth) lists
  // (a head's pieces for other exits are not counted), each once.
  int64_t params_at_depth(int64_t depth);
  std::vector<torch::Tensor> parameters_at_depth(int64_t depth);

  void check_depth(int64_t depth) const;  // throws UserError outside 1..depth()
};

using ModelPtr = std::shared_ptr<DepthwiseModel>;

// The probability that layer dropout skips block l of a `depth`-block model (ForwardOptions).
double layer_drop_rate(const ForwardOptions& o, int64_t l, int64_t depth);

// Predictions computed under autocast (bf16 / fp16) as float32, so that losses and metrics
// accumulate in float32 (train/precision.h); other tensors unchanged.
torch::Tensor as_float32(torch::Tensor t);

// For heads(): one head applied to every exit's input at once, concatenated along dim 0 and
// split back.
std::vector<torch::Tensor> stacked_head(const std::vector<torch::Tensor>& hs,
                                        const std::function<torch::Tensor(const torch::Tensor&)>& head);

}  // namespace lpa
