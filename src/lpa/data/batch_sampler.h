// Seeded, resumable order of mini-batches: epoch e is a permutation drawn from (seed, e), so
// the whole data order is a function of (seed, epoch, position) and resumes exactly.
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace lpa {

class BatchSampler {
 public:
  BatchSampler(int64_t n, int64_t batch_size, uint64_t seed, bool shuffle = true);

  // Indices of the next batch (int64, CPU). Epochs end by dropping the incomplete last batch
  // when the split holds at least one full batch, so every step sees batch_size samples.
  torch::Tensor next();

  int64_t batches_per_epoch() const;
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return position_; }
  void seek(int64_t epoch, int64_t position);  // resume

 private:
  void draw_permutation();
  int64_t n_, batch_, epoch_ = 0, position_ = 0;
  uint64_t seed_;
  bool shuffle_;
  torch::Tensor perm_;
};

}  // namespace lpa
