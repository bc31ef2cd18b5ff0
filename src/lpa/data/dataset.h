// Datasets live in memory as tensors; a batch is gathered by index. Splits are fixed at load.
#pragma once
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace lpa {

enum class Task { regression, classification, language_model };
enum class Split { train, val, test };

std::string to_string(Task t);
std::string to_string(Split s);
Split parse_split(const std::string& s);  // throws UserError

struct DataSpec {
  Task task = Task::regression;
  std::vector<int64_t> input_shape;  // per sample, e.g. {2}, {1, 28, 28}, {seq_len}
  int64_t output_dim = 1;            // regression targets or number of classes / vocabulary
  // Per-channel normalisation applied by get() (images); recorded for export.
  std::vector<double> mean, std;
  std::vector<std::string> class_names;
};

struct Batch {
  torch::Tensor x, y;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual DataSpec spec() const = 0;
  virtual int64_t size(Split s) const = 0;
  // Samples `indices` (int64, on the CPU or on the samples' device) of split `s`, on the
  // samples' device. `augment` enables training-time randomness (crops, flips, random text
  // windows); it draws from LibTorch's default generator of that device.
  virtual Batch get(Split s, const torch::Tensor& indices, bool augment) const = 0;
  // One line for logs: what was loaded, sizes.
  virtual std::string describe() const = 0;

  // Bytes of the tensors that hold the samples, as stored (uint8 images, integer tokens).
  int64_t sample_bytes();
  // Moves those tensors to `device` when they hold at most max_bytes, so that get() gathers,
  // augments and normalises there; returns whether the samples are now on `device`.
  bool move_to(const torch::Device& device, int64_t max_bytes);
  torch::Device device();

 protected:
  // The tensors that hold the samples (empty: the dataset keeps them on the host).
  virtual std::vector<torch::Tensor*> sample_tensors() { return {}; }
};

using DatasetPtr = std::shared_ptr<Dataset>;

// The batch on `device`: as it is when already there; from the host to an accelerator through
// pinned memory without blocking the host.
Batch to_device(Batch b, const torch::Device& device);

}  // namespace lpa
