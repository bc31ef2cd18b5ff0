// A standalone check of lpa's image pipeline and ResNet against whichever LibTorch it is built
// with (e.g. pip's torch 2.x with CUDA on a GPU node), needing none of lpa's other dependencies.
// Built and run by scripts/gpu/resnet_smoke.sh. On the device (CUDA when available):
//   1. forward_all == forward(x, l) at every depth, post- and pre-activation;
//   2. LPA (joint, linear weights) training steps of a ResNet on synthetic CIFAR-shaped data
//      whose label is the image brightness, through ImageDataset (uint8, crop + flip, normalise)
//      and the objective/optimizer lpa uses; the last exit must learn it;
//   3. images/s of the step, and how long the CPU-side batch preparation takes.
// Exit code 0 when every check passes.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "lpa/config/config.h"
#include "lpa/data/batch_sampler.h"
#include "lpa/data/cifar_format.h"
#include "lpa/data/image_dataset.h"
#include "lpa/eval/per_depth.h"
#include "lpa/models/resnet.h"
#include "lpa/objectives/objective.h"
#include "lpa/train/optimizer.h"

using namespace lpa;
using Clock = std::chrono::steady_clock;

// Config messages come from config/load.cpp (yaml-cpp), which this build leaves out.
std::string lpa::ExperimentConfig::where(const std::string& key) const { return key; }

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  std::cout << (ok ? "PASS " : "FAIL ") << what << std::endl;
  if (!ok) ++failures;
}

ImageSet brightness_images(int64_t n, int64_t classes, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto labels = torch::randint(0, classes, {n}, gen, torch::kLong);
  auto level = (labels.to(torch::kDouble) * (190.0 / (classes - 1))).round().to(torch::kLong);
  auto x = torch::randint(0, 64, {n, 3, 32, 32}, gen, torch::kLong) + level.view({n, 1, 1, 1});
  // Through the official CIFAR-10 record layout and back, as the loader reads it.
  auto bytes = encode_cifar(x.clamp(0, 255).to(torch::kUInt8), labels);
  auto r = parse_cifar(bytes, cifar10_format(), "synthetic");
  return {r.images, r.labels};
}

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

int main(int argc, char** argv) {
  const std::string preset = argc > 1 ? argv[1] : "resnet56";
  const int64_t steps = argc > 2 ? std::stoll(argv[2]) : 300;
  const torch::Device device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::kCPU;
  std::cout << "LibTorch " << TORCH_VERSION << ", device " << device.str() << ", preset " << preset << std::endl;
  torch::manual_seed(0);

  ExperimentConfig cfg;
  cfg.model.type = "resnet";
  cfg.model.preset = preset;
  cfg.model.head = "per_stage";
  cfg.data.type = "cifar10";
  cfg.data.augment = true;
  cfg.data.batch_size = 128;
  cfg.data.val_fraction = 0.1;
  cfg.loss.kind = "lpa";
  cfg.loss.weights = "linear";
  cfg.train.optimizer = "sgd";
  cfg.train.lr = 0.1;
  cfg.train.nesterov = true;
  cfg.train.weight_decay = 5e-4;

  // 1. One pass equals truncated passes, both variants, on the device.
  for (bool preact : {false, true}) {
    ModelSection m = cfg.model;
    m.preact = preact;
    ResNet net({3, 32, 32}, 10, m);
    net.to(device);
    net.train();
    for (int i = 0; i < 3; ++i) net.forward_all(torch::randn({64, 3, 32, 32}, device), net.depth());
    net.eval();
    torch::NoGradGuard g;
    auto x = torch::randn({32, 3, 32, 32}, device);
    auto outs = net.forward_all(x, net.depth());
    double worst = 0;
    for (int64_t l = 1; l <= net.depth(); ++l)
      worst = std::max(worst, (outs[l - 1] - net.forward(x, l)).abs().max().item<double>());
    check(worst < 1e-3, std::string(preact ? "preact" : "post-activation") +
                            " forward_all == forward(x, l) at all " + std::to_string(net.depth()) +
                            " depths (max diff " + std::to_string(worst) + ")");
  }

  // 2. Training steps through the real data path and objective.
  ImageSource src;
  src.description = "synthetic CIFAR-10 layout";
  src.train = brightness_images(20000, 10, 1);
  src.test = brightness_images(2000, 10, 2);
  src.classes = 10;
  auto data = make_image_dataset(src, cfg);
  auto model = std::make_shared<ResNet>(std::vector<int64_t>{3, 32, 32}, 10, cfg.model);
  model->to(device);
  auto objective = make_objective(cfg, Task::classification, model->depth());
  auto optimizer = make_optimizer(cfg.train, model->parameters());
  BatchSampler sampler(data->size(Split::train), cfg.data.batch_size, 0);
  double data_s = 0;
  Clock::time_point timed_start;
  const int64_t warmup = std::min<int64_t>(20, steps / 4);
  for (int64_t step = 0; step < steps; ++step) {
    if (step == warmup) {
      if (device.is_cuda()) torch::cuda::synchronize();
      timed_start = Clock::now();
      data_s = 0;
    }
    objective->begin_step(*model, step, steps);
    auto t0 = Clock::now();
    Batch b = data->get(Split::train, sampler.next(), true);
    b.x = b.x.to(device);
    b.y = b.y.to(device);
    data_s += seconds(t0, Clock::now());
    set_learning_rate(*optimizer, learning_rate_at(cfg.train, step, steps));
    clear_gradients(*optimizer);
    LossOutput out = objective->compute(*model, b, step, steps);
    out.total.backward();
    optimizer->step();
  }
  if (device.is_cuda()) torch::cuda::synchronize();
  const double train_s = seconds(timed_start, Clock::now());
  const double ips = (steps - warmup) * cfg.data.batch_size / train_s;
  std::printf("train step: %.0f images/s (%lld timed steps of batch %lld); CPU batch preparation %.2f ms/batch (%.0f%% of the step)\n",
              ips, static_cast<long long>(steps - warmup), static_cast<long long>(cfg.data.batch_size),
              1e3 * data_s / (steps - warmup), 100.0 * data_s / train_s);
  EvalOptions eo;
  eo.device = device;
  std::vector<int64_t> depths;
  for (int64_t l = 1; l <= model->depth(); ++l) depths.push_back(l);
  auto results = evaluate_per_depth(*model, *data, Split::test, depths, eo);
  std::cout << format_depth_table(results);
  check(metric_value(results.back().metrics, "accuracy") > 0.5, "the last exit learns the synthetic task");
  std::cout << (failures ? "SOME CHECKS FAILED" : "ALL CHECKS PASSED") << std::endl;
  return failures ? 1 : 0;
}
