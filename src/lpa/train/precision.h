// Mixed precision (train.precision): fp32 | tf32 | bf16 | fp16.
//   tf32  CUDA matmuls and convolutions in TensorFloat-32 (Ampere and later), weights fp32;
//   bf16  the forward pass under LibTorch's autocast in bfloat16 (CPU or CUDA), weights and
//         optimiser fp32;
//   fp16  autocast in float16 (CUDA) with dynamic loss scaling (LossScaler).
// Predictions leave the model in fp32 (forward_all casts them), so losses and per-depth metrics
// accumulate in fp32.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace lpa {

enum class Precision { fp32, tf32, bf16, fp16 };
Precision parse_precision(const std::string& s);  // UserError for others
std::string to_string(Precision p);

// UserError (one line starting with `key`, e.g. "config.yaml:12: train.precision") when
// `device` cannot train in `p`: tf32 and fp16 need CUDA (LibTorch has no fp16 autocast on
// CPU), tf32 and bf16 on CUDA need compute capability 8.0.
void check_precision(Precision p, const torch::Device& device, const std::string& key = "train.precision");

// TF32 matmuls and convolutions on or off for the process (LibTorch's global context).
void set_tf32(bool on);

// train.deterministic: deterministic algorithms (an op without one raises), cuDNN benchmark
// off and deterministic cuDNN, and cuBLAS's deterministic workspace (CUBLAS_WORKSPACE_CONFIG,
// unless set). Otherwise cuDNN benchmark mode (the fastest convolution for each shape).
void set_determinism(bool deterministic);

// Autocast on `device`'s type in `p`'s dtype while alive (nothing for fp32 / tf32); restores
// the thread's previous autocast state. LibTorch's autocast state is thread-local.
class AutocastGuard {
 public:
  AutocastGuard(Precision p, const torch::Device& device);
  // A captured state (autocast_enabled / autocast_dtype) re-entered: a block recomputed in
  // backward (activation checkpointing) runs under the autocast its forward ran under.
  AutocastGuard(torch::DeviceType type, bool enabled, at::ScalarType dtype);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  torch::DeviceType type_ = torch::kCPU;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

// The thread's autocast state for a device type.
bool autocast_enabled(torch::DeviceType type);
at::ScalarType autocast_dtype(torch::DeviceType type);

// Dynamic loss scaling (as torch.cuda.amp.GradScaler): the loss is multiplied by the scale
// before backward; the gradients are unscaled before clipping; a step whose gradients hold an
// inf or nan is skipped and the scale multiplied by `backoff`; after `growth_interval` good
// steps in a row the scale is multiplied by `growth`. On CUDA through LibTorch's own AMP
// kernels (_amp_foreach_non_finite_check_and_unscale_, _amp_update_scale_); elsewhere the same
// arithmetic in plain operations.
class LossScaler {
 public:
  LossScaler(bool enabled, torch::Device device, double init_scale = 65536.0, double growth = 2.0,
             double backoff = 0.5, int64_t growth_interval = 2000);
  bool enabled() const { return enabled_; }
  torch::Tensor scale(const torch::Tensor& loss) const;  // loss unchanged when disabled
  // Divides every defined gradient of `params` by the scale; true when all are finite (one host
  // read). Always true when disabled.
  bool unscale(const std::vector<torch::Tensor>& params);
  // After unscale(): grows or backs off the scale.
  void update();
  double current_scale() const;
  int64_t good_steps() const;
  // [scale, good steps in a row] for the checkpoint; load_state restores them exactly.
  torch::Tensor state() const;
  void load_state(const torch::Tensor& s);

 private:
  bool enabled_;
  torch::Device device_;
  double growth_, backoff_;
  int64_t interval_;
  torch::Tensor scale_;    // float32 [1] on the device
  torch::Tensor tracker_;  // int32 [1]: good steps since the last change
  torch::Tensor found_inf_;  // float32 [1]
};

// One optimiser update under the loss scaler: gradients unscaled; on overflow the step is
// skipped (false); otherwise clipped to max_norm (when > 0) and applied (true). The scale is
// updated either way. Without fp16 (scaler disabled) it is clip + step.
bool scaled_step(torch::optim::Optimizer& optimizer, LossScaler& scaler, const std::vector<torch::Tensor>& params,
                 double max_norm);

}  // namespace lpa
