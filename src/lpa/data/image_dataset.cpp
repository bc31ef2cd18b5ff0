#include "lpa/data/image_dataset.h"

#include <cmath>
#include <sstream>

#include "lpa/data/image_augment.h"
#include "lpa/errors.h"

namespace lpa {
namespace {

class ImageDataset : public Dataset {
 public:
  ImageDataset(ImageSource src, std::vector<ImageSet> splits, const DataSection& d)
      : src_(std::move(src)), splits_(std::move(splits)), augment_padding_(d.crop_padding),
        flip_(d.flip), flatten_(d.flatten) {
    std::tie(mean_, std_) = channel_mean_std(splits_[0].images);
  }

  DataSpec spec() const override {
    DataSpec s;
    s.task = Task::classification;
    auto sz = splits_[0].images.sizes();
    s.input_shape = flatten_ ? std::vector<int64_t>{sz[1] * sz[2] * sz[3]}
                             : std::vector<int64_t>{sz[1], sz[2], sz[3]};
    s.output_dim = src_.classes;
    s.mean = mean_;
    s.std = std_;
    s.class_names = src_.class_names;
    return s;
  }

  int64_t size(Split s) const override { return splits_[static_cast<int>(s)].labels.size(0); }

  Batch get(Split s, const torch::Tensor& idx, bool augment) const override {
    const ImageSet& set = splits_[static_cast<int>(s)];
    const torch::Tensor at = idx.to(set.images.device());
    torch::Tensor x = set.images.index_select(0, at);
    if (augment && s == Split::train && (augment_padding_ > 0 || flip_))
      x = random_crop_flip(x, augment_padding_, flip_);
    return {normalise_images(x, mean_, std_, flatten_), set.labels.index_select(0, at)};
  }

  std::string describe() const override {
    std::ostringstream o;
    auto sz = splits_[0].images.sizes();
    o << src_.description << ": " << src_.classes << " classes, " << sz[1] << "x" << sz[2] << "x"
      << sz[3] << ", train " << size(Split::train) << ", val " << size(Split::val) << ", test "
      << size(Split::test) << ", mean/std";
    for (size_t i = 0; i < mean_.size(); ++i) o << (i ? "," : " ") << mean_[i] << "/" << std_[i];
    return o.str();
  }

 protected:
  std::vector<torch::Tensor*> sample_tensors() override {
    std::vector<torch::Tensor*> t;
    for (auto& set : splits_) {
      t.push_back(&set.images);
      t.push_back(&set.labels);
    }
    return t;
  }

 private:
  ImageSource src_;
  std::vector<ImageSet> splits_;  // train, val, test (Split order)
  int64_t augment_padding_;
  bool flip_, flatten_;
  std::vector<double> mean_, std_;
};

ImageSet take(const ImageSet& s, const torch::Tensor& idx) {
  return {s.images.index_select(0, idx), s.labels.index_select(0, idx)};
}

}  // namespace

torch::Tensor normalise_images(const torch::Tensor& images, const std::vector<double>& mean,
                               const std::vector<double>& std, bool flatten) {
  const int64_t c = static_cast<int64_t>(mean.size());
  // x_norm = (x / 255 - mean) / std = x * scale + shift, per channel.
  std::vector<float> scale(c), shift(c);
  for (int64_t i = 0; i < c; ++i) {
    const double s = std[i] > 1e-8 ? std[i] : 1.0;
    scale[i] = static_cast<float>(1.0 / (255.0 * s));
    shift[i] = static_cast<float>(-mean[i] / s);
  }
  const auto on = torch::TensorOptions().device(images.device());
  torch::Tensor x = images.to(torch::kFloat32)
                        .mul_(torch::tensor(scale).view({1, c, 1, 1}).to(on))
                        .add_(torch::tensor(shift).view({1, c, 1, 1}).to(on));
  return flatten ? x.flatten(1) : x;
}

std::pair<torch::Tensor, torch::Tensor> split_train_val(int64_t n, double fraction, uint64_t seed,
                                                        int64_t train_limit) {
  const int64_t n_val = std::clamp<int64_t>(std::llround(n * fraction), 0, n - 1);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed * 2654435761ULL + 101);
  torch::Tensor perm = torch::randperm(n, gen, torch::kLong);
  int64_t n_train = n - n_val;
  if (train_limit > 0) n_train = std::min(n_train, train_limit);
  torch::Tensor val = std::get<0>(perm.narrow(0, 0, n_val).sort());
  torch::Tensor train = std::get<0>(perm.narrow(0, n_val, n_train).sort());
  return {train, val};
}

std::pair<std::vector<double>, std::vector<double>> channel_mean_std(const torch::Tensor& images) {
  const int64_t n = images.size(0), c = images.size(1);
  torch::Tensor sum = torch::zeros({c}, torch::kDouble), sq = torch::zeros({c}, torch::kDouble);
  for (int64_t start = 0; start < n; start += 4096) {
    torch::Tensor chunk = images.narrow(0, start, std::min<int64_t>(4096, n - start)).to(torch::kDouble);
    sum += chunk.sum({0, 2, 3});
    sq += chunk.pow(2).sum({0, 2, 3});
  }
  const double count = static_cast<double>(n) * images.size(2) * images.size(3);
  std::vector<double> mean(c), std(c);
  for (int64_t i = 0; i < c; ++i) {
    const double m = sum[i].item<double>() / count;
    const double var = std::max(0.0, sq[i].item<double>() / count - m * m);
    mean[i] = m / 255.0;
    std[i] = std::sqrt(var) / 255.0;
  }
  return {mean, std};
}

DatasetPtr make_image_dataset(ImageSource src, const ExperimentConfig& cfg) {
  const DataSection& d = cfg.data;
  const int64_t seed = d.seed >= 0 ? d.seed : cfg.train.seed;
  torch::NoGradGuard no_grad;
  // A training subset (data.train_limit, for short CPU runs) is drawn from what the validation
  // split leaves, so val and test are the same whatever the subset.
  auto [tr, va] = split_train_val(src.train.labels.size(0), d.val_fraction,
                                  static_cast<uint64_t>(seed), d.train_limit);
  std::vector<ImageSet> splits = {take(src.train, tr), take(src.train, va), src.test};
  return std::make_shared<ImageDataset>(std::move(src), std::move(splits), d);
}

}  // namespace lpa
