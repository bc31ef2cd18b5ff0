// forward_all (all N predictions in one pass) against one forward at full depth, on the model
// of configs/surface.yaml. Prints the ratio of medians; interleaved runs so machine noise hits
// both sides alike. Usage: build/bench_forward_all [batch] [reps] [device]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "lpa/config/load.h"
#include "lpa/models/registry.h"
#include "lpa/train/device.h"

using Clock = std::chrono::steady_clock;

template <class F>
double time_ms(F&& f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 256;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 200;
  const torch::Device device = lpa::resolve_device(argc > 3 ? argv[3] : "cpu");
  const int64_t threads = lpa::configure_threads(0);
  auto cfg = lpa::load_config(std::string(LPA_SOURCE_DIR) + "/configs/surface.yaml");
  lpa::DataSpec spec;
  spec.input_shape = {2};
  auto model = lpa::make_model(cfg, spec);
  model->to(device);
  const int64_t n = model->depth();
  auto x = torch::rand({batch, 2}, device);
  auto y = torch::rand({batch, 1}, device);
  // GPU kernels run asynchronously: a timing ends when the device has finished.
  auto sync = [&] {
    if (device.is_cuda()) (void)x.sum().item<float>();
  };

  std::vector<double> fwd, all, fwd_train, all_train;
  model->eval();
  for (int r = 0; r < reps + 10; ++r) {
    torch::NoGradGuard g;
    double a = time_ms([&] { model->forward(x, n); sync(); });
    double b = time_ms([&] { model->forward_all(x, n); sync(); });
    if (r >= 10) fwd.push_back(a), all.push_back(b);
  }
  // A training step: E2E (one loss) against LPA joint (N losses through forward_all).
  model->train();
  for (int r = 0; r < reps + 10; ++r) {
    double a = time_ms([&] {
      model->zero_grad();
      torch::mse_loss(model->forward(x, n), y).backward();
      sync();
    });
    double b = time_ms([&] {
      model->zero_grad();
      auto outs = model->forward_all(x, n);
      torch::Tensor loss = torch::zeros({}, device);
      for (auto& o : outs) loss = loss + torch::mse_loss(o, y) / static_cast<double>(n);
      loss.backward();
      sync();
    });
    if (r >= 10) fwd_train.push_back(a), all_train.push_back(b);
  }
  std::printf("residual_mlp depth %lld width %lld, batch %lld, %s, %lld threads, %d reps\n",
              static_cast<long long>(n), static_cast<long long>(cfg.model.width),
              static_cast<long long>(batch), device.str().c_str(), static_cast<long long>(threads), reps);
  std::printf("inference  forward(x, %lld): %.3f ms   forward_all: %.3f ms   ratio %.3f\n",
              static_cast<long long>(n), median(fwd), median(all), median(all) / median(fwd));
  std::printf("train step e2e: %.3f ms   lpa joint (all depths): %.3f ms   ratio %.3f\n",
              median(fwd_train), median(all_train), median(all_train) / median(fwd_train));
  return 0;
}
