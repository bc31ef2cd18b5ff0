#include "lpa/data/batch_sampler.h"

#include "lpa/errors.h"

namespace lpa {

BatchSampler::BatchSampler(int64_t n, int64_t batch_size, uint64_t seed, bool shuffle)
    : n_(n), batch_(std::min(batch_size, n)), seed_(seed), shuffle_(shuffle) {
  if (n <= 0) throw UserError("the training split is empty");
  draw_permutation();
}

void BatchSampler::draw_permutation() {
  if (!shuffle_) {
    perm_ = torch::arange(n_, torch::kLong);
    return;
  }
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed_ * 1000003ULL + static_cast<uint64_t>(epoch_));
  perm_ = torch::randperm(n_, gen, torch::kLong);
}

int64_t BatchSampler::batches_per_epoch() const { return n_ / batch_; }

torch::Tensor BatchSampler::next() {
  if (position_ + batch_ > n_) {
    ++epoch_;
    position_ = 0;
    draw_permutation();
  }
  torch::Tensor idx = perm_.narrow(0, position_, batch_);
  position_ += batch_;
  return idx;
}

void BatchSampler::seek(int64_t epoch, int64_t position) {
  epoch_ = epoch;
  position_ = position;
  draw_permutation();
}

}  // namespace lpa
