#include "lpa/data/cifar_dataset.h"

#include <sstream>

#include "lpa/data/cifar_format.h"
#include "lpa/data/compressed_file.h"
#include "lpa/data/image_dataset.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {
namespace {

struct CifarKind {
  const char* name;                        // for messages
  const char* subfolder;                   // as unpacked from the official tarball
  const CifarFormat& format;
  std::vector<std::string> train_files, test_files;
  const char* names_file;
  int64_t classes;
};

const char* const kCifar10Names[] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                     "dog",      "frog",       "horse", "ship", "truck"};
const char* const kCifar100Names[] = {
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
    "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
    "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup",
    "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house",
    "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man",
    "maple_tree", "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange", "orchid",
    "otter", "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy",
    "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea", "seal",
    "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar",
    "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
    "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm"};

std::string find_root(const ExperimentConfig& cfg, const CifarKind& k) {
  if (cfg.data.root.empty())
    throw UserError(cfg.where("data.root") + ": " + k.name +
                    " needs data.root: the folder of the unpacked binary version (" +
                    k.subfolder + ") from https://www.cs.toronto.edu/~kriz/cifar.html");
  std::string nested = cfg.data.root + "/" + k.subfolder;
  if (!find_plain_or_gz(nested + "/" + k.test_files.front()).empty()) return nested;
  if (!dir_exists(cfg.data.root))
    throw UserError(cfg.data.root + ": no such folder (" + cfg.where("data.root") + ")");
  return cfg.data.root;
}

ImageSet load_files(const std::string& root, const std::vector<std::string>& names, const CifarKind& k) {
  std::vector<torch::Tensor> images, labels;
  for (const auto& n : names) {
    const std::string path = find_plain_or_gz(root + "/" + n);
    if (path.empty())
      throw UserError(root + "/" + n + ": file not found (" + k.name + " binary version expected in " +
                      root + ")");
    CifarRecords r = parse_cifar(read_maybe_gzip(path), k.format, path);
    images.push_back(r.images);
    labels.push_back(r.labels);
  }
  return {torch::cat(images), torch::cat(labels)};
}

std::vector<std::string> class_names(const std::string& root, const CifarKind& k,
                                     const char* const* builtin) {
  std::vector<std::string> names;
  const std::string path = root + "/" + k.names_file;
  if (file_exists(path)) {
    std::istringstream in(read_file(path));
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) names.push_back(line);
    }
    if (static_cast<int64_t>(names.size()) == k.classes) return names;
    names.clear();  // not the official file: fall back to the published names
  }
  for (int64_t i = 0; i < k.classes; ++i) names.emplace_back(builtin[i]);
  return names;
}

DatasetPtr make_cifar(const ExperimentConfig& cfg, const CifarKind& k, const char* const* builtin) {
  const std::string root = find_root(cfg, k);
  ImageSource src;
  src.train = load_files(root, k.train_files, k);
  src.test = load_files(root, k.test_files, k);
  src.classes = k.classes;
  src.class_names = class_names(root, k, builtin);
  src.description = std::string(k.name) + " from " + root;
  return make_image_dataset(std::move(src), cfg);
}

}  // namespace

DatasetPtr make_cifar10_dataset(const ExperimentConfig& cfg) {
  static const CifarKind k{"CIFAR-10",
                           "cifar-10-batches-bin",
                           cifar10_format(),
                           {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                            "data_batch_4.bin", "data_batch_5.bin"},
                           {"test_batch.bin"},
                           "batches.meta.txt",
                           10};
  return make_cifar(cfg, k, kCifar10Names);
}

DatasetPtr make_cifar100_dataset(const ExperimentConfig& cfg) {
  static const CifarKind k{"CIFAR-100", "cifar-100-binary", cifar100_format(), {"train.bin"},
                           {"test.bin"}, "fine_label_names.txt", 100};
  return make_cifar(cfg, k, kCifar100Names);
}

}  // namespace lpa
