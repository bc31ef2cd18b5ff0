#include "lpa/data/dataset.h"

#include "lpa/errors.h"

namespace lpa {

std::string to_string(Task t) {
  switch (t) {
    case Task::regression: return "regression";
    case Task::classification: return "classification";
    case Task::language_model: return "language_model";
  }
  return "?";
}

std::string to_string(Split s) {
  switch (s) {
    case Split::train: return "train";
    case Split::val: return "val";
    case Split::test: return "test";
  }
  return "?";
}

int64_t Dataset::sample_bytes() {
  int64_t bytes = 0;
  for (torch::Tensor* t : sample_tensors()) bytes += t->numel() * static_cast<int64_t>(t->element_size());
  return bytes;
}

bool Dataset::move_to(const torch::Device& device, int64_t max_bytes) {
  const auto tensors = sample_tensors();
  if (tensors.empty() || sample_bytes() > max_bytes) return device == this->device();
  for (torch::Tensor* t : tensors) *t = t->to(device);
  return true;
}

torch::Device Dataset::device() {
  const auto tensors = sample_tensors();
  return tensors.empty() ? torch::Device(torch::kCPU) : tensors.front()->device();
}

Batch to_device(Batch b, const torch::Device& device) {
  for (torch::Tensor* t : {&b.x, &b.y}) {
    if (t->device() == device) continue;
    if (t->is_cpu() && !device.is_cpu()) *t = t->pin_memory().to(device, /*non_blocking=*/true);
    else *t = t->to(device);
  }
  return b;
}

Split parse_split(const std::string& s) {
  if (s == "train") return Split::train;
  if (s == "val" || s == "validation") return Split::val;
  if (s == "test") return Split::test;
  throw UserError("split '" + s + "' is not train, val or test");
}

}  // namespace lpa
