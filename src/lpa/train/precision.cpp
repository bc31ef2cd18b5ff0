#include "lpa/train/precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>
#include <cstdlib>

#if __has_include(<cuda_runtime_api.h>) && __has_include(<ATen/cuda/CUDAContext.h>)
#include <ATen/cuda/CUDAContext.h>
#define LPA_HAS_CUDA_PROPERTIES 1
#endif

#include "lpa/errors.h"
#include "lpa/train/optimizer.h"

// LibTorch 2.4 replaced the per-device autocast functions (set_enabled, set_cpu_enabled, ...)
// by ones taking the device type, and deprecated the old ones (a warning is an error here).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define LPA_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace lpa {

bool autocast_enabled(torch::DeviceType t) {
#ifdef LPA_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(t);
#else
  return t == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

at::ScalarType autocast_dtype(torch::DeviceType t) {
#ifdef LPA_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::get_autocast_dtype(t);
#else
  return t == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

namespace {

void set_autocast(torch::DeviceType t, bool on, at::ScalarType dtype) {
#ifdef LPA_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(t, dtype);
  at::autocast::set_autocast_enabled(t, on);
#else
  if (t == torch::kCUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(on);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(on);
  }
#endif
}

int cuda_major(const torch::Device& device) {
#ifdef LPA_HAS_CUDA_PROPERTIES
  return at::cuda::getDeviceProperties(device.index() < 0 ? 0 : device.index())->major;
#else
  (void)device;
  return -1;  // unknown: a CPU-only build never gets here with a CUDA device
#endif
}

}  // namespace

Precision parse_precision(const std::string& s) {
  if (s == "fp32") return Precision::fp32;
  if (s == "tf32") return Precision::tf32;
  if (s == "bf16") return Precision::bf16;
  if (s == "fp16") return Precision::fp16;
  throw UserError("train.precision: '" + s + "' is not fp32, tf32, bf16 or fp16");
}

std::string to_string(Precision p) {
  switch (p) {
    case Precision::fp32: return "fp32";
    case Precision::tf32: return "tf32";
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
  }
  return "";
}

void check_precision(Precision p, const torch::Device& device, const std::string& key) {
  if (p == Precision::fp32) return;
  if (!device.is_cuda()) {
    if (p == Precision::tf32)
      throw UserError(key + ": tf32 is a CUDA matmul mode (Ampere GPUs and later); on " + device.str() +
                      " use fp32 or bf16");
    if (p == Precision::fp16)
      throw UserError(key + ": fp16 needs a CUDA device (LibTorch has no float16 autocast on " +
                      device.str() + "); use bf16 on a CPU");
    return;
  }
  const int major = cuda_major(device);
  if ((p == Precision::tf32 || p == Precision::bf16) && major >= 0 && major < 8)
    throw UserError(key + ": " + to_string(p) + " needs a GPU of compute capability 8.0 or later; " +
                    device.str() + " is " + std::to_string(major) + ".x: use fp16 or fp32");
}

void set_tf32(bool on) {
  at::globalContext().setFloat32MatmulPrecision(on ? "high" : "highest");
  at::globalContext().setAllowTF32CuDNN(on);
}

void set_determinism(bool deterministic) {
  // cuBLAS reads this when it creates its handle: before the first CUDA matmul.
  if (deterministic) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  at::globalContext().setDeterministicAlgorithms(deterministic, /*warn_only=*/false);
  at::globalContext().setDeterministicCuDNN(deterministic);
  at::globalContext().setBenchmarkCuDNN(!deterministic);
}

AutocastGuard::AutocastGuard(Precision p, const torch::Device& device) {
  if (p != Precision::bf16 && p != Precision::fp16) return;
  active_ = true;
  type_ = device.is_cuda() ? torch::kCUDA : torch::kCPU;
  was_enabled_ = autocast_enabled(type_);
  was_dtype_ = autocast_dtype(type_);
  at::autocast::increment_nesting();
  set_autocast(type_, true, p == Precision::bf16 ? at::kBFloat16 : at::kHalf);
}

AutocastGuard::AutocastGuard(torch::DeviceType type, bool enabled, at::ScalarType dtype) {
  if (!enabled && !autocast_enabled(type)) return;
  active_ = true;
  type_ = type;
  was_enabled_ = autocast_enabled(type_);
  was_dtype_ = autocast_dtype(type_);
  at::autocast::increment_nesting();
  set_autocast(type_, enabled, dtype);
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  set_autocast(type_, was_enabled_, was_dtype_);
  // The casts autocast cached for this pass (weights in low precision) go with it.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

LossScaler::LossScaler(bool enabled, torch::Device device, double init_scale, double growth, double backoff,
                       int64_t growth_interval)
    : enabled_(enabled), device_(device), growth_(growth), backoff_(backoff), interval_(growth_interval) {
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat).device(device);
  scale_ = torch::full({1}, init_scale, f32);
  tracker_ = torch::zeros({1}, f32.dtype(torch::kInt));
  found_inf_ = torch::zeros({1}, f32);
}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const {
  return enabled_ ? loss * scale_.to(loss.dtype()) : loss;
}

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) {
  if (!enabled_) return true;
  torch::NoGradGuard no_grad;
  found_inf_.zero_();
  const torch::Tensor inv = scale_.to(torch::kDouble).reciprocal().to(torch::kFloat);
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (device_.is_cuda()) {
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf_, inv);
  } else {
    for (auto& g : grads) {
      g.mul_(inv);
      found_inf_.add_(g.isfinite().all().logical_not().to(torch::kFloat));
    }
    found_inf_.clamp_max_(1.0);
  }
  return found_inf_.item<float>() == 0.0f;
}

void LossScaler::update() {
  if (!enabled_) return;
  if (device_.is_cuda()) {
    at::_amp_update_scale_(scale_, tracker_, found_inf_, growth_, backoff_, interval_);
    return;
  }
  // _amp_update_scale_'s rule: back off and reset on inf; otherwise count, and grow (reset)
  // when the count reaches the interval.
  if (found_inf_.item<float>() > 0) {
    scale_.mul_(backoff_);
    tracker_.zero_();
  } else if (tracker_.item<int>() + 1 == interval_) {
    // As the kernel: never grow past float32's range.
    if (std::isfinite(scale_.item<float>() * static_cast<float>(growth_))) scale_.mul_(growth_);
    tracker_.zero_();
  } else {
    tracker_.add_(1);
  }
}

double LossScaler::current_scale() const { return scale_.item<double>(); }
int64_t LossScaler::good_steps() const { return tracker_.item<int64_t>(); }

torch::Tensor LossScaler::state() const {
  return torch::stack({scale_.to(torch::kCPU, torch::kDouble), tracker_.to(torch::kCPU, torch::kDouble)}).view({2});
}

void LossScaler::load_state(const torch::Tensor& s) {
  if (!s.defined() || s.numel() != 2) throw UserError("checkpoint: the loss scaler's state is not [scale, good steps]");
  const torch::Tensor c = s.to(torch::kCPU, torch::kDouble);
  scale_.fill_(c[0].item<double>());
  tracker_.fill_(c[1].item<int64_t>());
}

bool scaled_step(torch::optim::Optimizer& optimizer, LossScaler& scaler, const std::vector<torch::Tensor>& params,
                 double max_norm) {
  const bool finite = scaler.unscale(params);
  scaler.update();
  if (!finite) return false;
  if (max_norm > 0) clip_gradient_norm(params, max_norm);
  optimizer.step();
  return true;
}

}  // namespace lpa
