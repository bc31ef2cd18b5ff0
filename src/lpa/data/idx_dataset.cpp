#include "lpa/data/idx_dataset.h"

#include <algorithm>
#include <cctype>

#include "lpa/data/compressed_file.h"
#include "lpa/data/idx_format.h"
#include "lpa/data/image_dataset.h"
#include "lpa/errors.h"

namespace lpa {
namespace {

struct IdxFile {
  const char* key;           // config key naming the file
  const char* default_name;  // as published, without .gz
  int64_t dims;              // 3 for images, 1 for labels
};

std::string resolve(const ExperimentConfig& cfg, const std::string& root, const IdxFile& f,
                    const std::string& configured) {
  const std::string name = configured.empty() ? f.default_name : configured;
  const std::string path = (!name.empty() && name[0] == '/') ? name : root + "/" + name;
  std::string found = find_plain_or_gz(path);
  if (found.empty()) {
    std::string hint = cfg.data.root.empty()
                           ? "; install Debian's dataset-fashion-mnist (scripts/setup.sh) or set data.root"
                           : "; check data.root (" + cfg.where("data.root") + ")";
    throw UserError(path + ": file not found (nor " + name + ".gz) for " + f.key + hint);
  }
  return found;
}

torch::Tensor load(const std::string& path, int64_t dims) {
  return parse_idx(read_maybe_gzip(path), dims, path);
}

ImageSet load_pair(const std::string& images_path, const std::string& labels_path) {
  torch::Tensor images = load(images_path, 3);
  torch::Tensor labels = load(labels_path, 1);
  if (images.size(0) != labels.size(0))
    throw UserError(labels_path + ": holds " + std::to_string(labels.size(0)) + " labels but " +
                    images_path + " holds " + std::to_string(images.size(0)) + " images");
  if (images.size(0) == 0) throw UserError(images_path + ": holds no images");
  return {images.unsqueeze(1), labels.to(torch::kLong)};
}

std::vector<std::string> class_names_for(const std::string& root, int64_t classes) {
  std::string lower = root;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (classes == 10 && lower.find("fashion") != std::string::npos)
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  std::vector<std::string> names;
  for (int64_t i = 0; i < classes; ++i) names.push_back(std::to_string(i));
  return names;
}

}  // namespace

DatasetPtr make_idx_dataset(const ExperimentConfig& cfg) {
  const DataSection& d = cfg.data;
  const std::string root = d.root.empty() ? kDefaultIdxRoot : d.root;
  static const IdxFile files[] = {{"data.train_images", "train-images-idx3-ubyte", 3},
                                  {"data.train_labels", "train-labels-idx1-ubyte", 1},
                                  {"data.test_images", "t10k-images-idx3-ubyte", 3},
                                  {"data.test_labels", "t10k-labels-idx1-ubyte", 1}};
  const std::string paths[] = {resolve(cfg, root, files[0], d.train_images),
                               resolve(cfg, root, files[1], d.train_labels),
                               resolve(cfg, root, files[2], d.test_images),
                               resolve(cfg, root, files[3], d.test_labels)};
  ImageSource src;
  src.train = load_pair(paths[0], paths[1]);
  src.test = load_pair(paths[2], paths[3]);
  if (src.train.images.sizes().slice(1) != src.test.images.sizes().slice(1))
    throw UserError(paths[2] + ": images are " + std::to_string(src.test.images.size(2)) + "x" +
                    std::to_string(src.test.images.size(3)) + " but the training images are " +
                    std::to_string(src.train.images.size(2)) + "x" +
                    std::to_string(src.train.images.size(3)));
  src.classes = src.train.labels.max().item<int64_t>() + 1;
  const torch::Tensor bad = src.test.labels.ge(src.classes).nonzero();
  if (bad.size(0) > 0) {
    const int64_t i = bad[0][0].item<int64_t>();
    throw UserError(paths[3] + ": label " + std::to_string(src.test.labels[i].item<int64_t>()) +
                    " at index " + std::to_string(i) + " is out of range 0.." +
                    std::to_string(src.classes - 1) + " (the classes seen in " + paths[1] + ")");
  }
  src.class_names = class_names_for(root, src.classes);
  const bool fashion = src.class_names.front() == "T-shirt/top";
  src.description = std::string(fashion ? "Fashion-MNIST " : "") + "idx from " + root;
  return make_image_dataset(std::move(src), cfg);
}

}  // namespace lpa
