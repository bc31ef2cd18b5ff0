#include "lpa/data/predict_inputs.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "lpa/data/cifar_format.h"
#include "lpa/data/compressed_file.h"
#include "lpa/data/idx_format.h"
#include "lpa/data/image_dataset.h"
#include "lpa/data/text_classification_dataset.h"
#include "lpa/data/text_files.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"

namespace lpa {

namespace {

std::string shape_text(c10::IntArrayRef s) {
  std::ostringstream o;
  for (size_t i = 0; i < s.size(); ++i) o << (i ? "x" : "") << s[i];
  return o.str();
}

std::vector<std::string> index_names(int64_t n) {
  std::vector<std::string> names;
  for (int64_t i = 0; i < n; ++i) names.push_back(std::to_string(i));
  return names;
}

// Images [N, C, H, W] uint8 checked against the model's input and normalised like training.
torch::Tensor model_images(const torch::Tensor& images, const std::string& path, const ExperimentConfig& cfg,
                           const DataSpec& spec) {
  const auto sz = images.sizes();
  const std::vector<int64_t> chw = {sz[1], sz[2], sz[3]};
  const std::vector<int64_t> want =
      cfg.data.flatten ? std::vector<int64_t>{sz[1] * sz[2] * sz[3]} : chw;
  if (want != spec.input_shape)
    throw UserError(path + ": images are " + shape_text(chw) + ", the model reads " +
                    shape_text(spec.input_shape) + (cfg.data.flatten ? " (flattened)" : ""));
  return normalise_images(images, spec.mean, spec.std, cfg.data.flatten);
}

PredictInputs idx_inputs(const std::string& path, const std::string& labels_path, const ExperimentConfig& cfg,
                         const DataSpec& spec) {
  PredictInputs in;
  const torch::Tensor images = parse_idx(read_maybe_gzip(path), 3, path).unsqueeze(1);
  if (images.size(0) == 0) throw UserError(path + ": holds no images");
  in.x = model_images(images, path, cfg, spec);
  if (!labels_path.empty()) {
    in.labels = parse_idx(read_maybe_gzip(labels_path), 1, labels_path).to(torch::kLong);
    if (in.labels.size(0) != images.size(0))
      throw UserError(labels_path + ": holds " + std::to_string(in.labels.size(0)) + " labels, " + path +
                      " holds " + std::to_string(images.size(0)) + " images");
    if (in.labels.max().item<int64_t>() >= spec.output_dim)
      throw UserError(labels_path + ": a label is out of range 0.." + std::to_string(spec.output_dim - 1));
  }
  in.names = index_names(images.size(0));
  in.description = std::to_string(images.size(0)) + " IDX images from " + path;
  return in;
}

PredictInputs cifar_inputs(const std::string& path, const std::string& labels_path, const ExperimentConfig& cfg,
                           const DataSpec& spec) {
  if (!labels_path.empty()) throw UserError("predict: --labels is for IDX images; a CIFAR file carries its labels");
  const CifarFormat& f = cfg.data.type == "cifar100" ? cifar100_format() : cifar10_format();
  CifarRecords r = parse_cifar(read_maybe_gzip(path), f, path);
  PredictInputs in;
  in.x = model_images(r.images, path, cfg, spec);
  in.labels = r.labels;
  in.names = index_names(r.images.size(0));
  in.description = std::to_string(r.images.size(0)) + " CIFAR images from " + path;
  return in;
}

PredictInputs text_inputs(const std::string& path, const ExperimentConfig& cfg) {
  const DataSection& d = cfg.data;
  std::vector<std::string> docs;
  PredictInputs in;
  if (dir_exists(path)) {
    for (const auto& f : files_in_folder(path, d.extensions)) {
      docs.push_back(document_content(d, read_bytes(f, d.strip_headers ? -1 : document_bytes(d))));
      in.names.push_back(std::filesystem::relative(f, path).string());
    }
    in.description = std::to_string(docs.size()) + " documents (one per file) from " + path;
  } else {
    std::istringstream lines(read_bytes(path));
    std::string line;
    for (int64_t k = 1; std::getline(lines, line); ++k) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      docs.push_back(line.substr(0, static_cast<size_t>(document_bytes(d))));
      in.names.push_back("line " + std::to_string(k));
    }
    in.description = std::to_string(docs.size()) + " documents (one per line) from " + path;
  }
  if (docs.empty()) throw UserError(path + ": no documents to predict");
  in.x = encode_documents(docs, d);
  return in;
}

// A header row is allowed: a first row that is not all numbers is skipped.
PredictInputs csv_inputs(const std::string& path, const DataSpec& spec) {
  const auto rows = read_csv(path);
  const int64_t dim = spec.input_shape.at(0);
  std::vector<float> values;
  PredictInputs in;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<float> row;
    bool numeric = true;
    for (const auto& cell : rows[r]) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (cell.empty() || *end != '\0') numeric = false;
      row.push_back(static_cast<float>(v));
    }
    if (!numeric) {
      if (r == 0) continue;
      throw UserError(path + ": row " + std::to_string(r + 1) + " is not all numbers");
    }
    if (static_cast<int64_t>(row.size()) != dim)
      throw UserError(path + ": row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) +
                      " columns, the model reads " + std::to_string(dim) + " features");
    values.insert(values.end(), row.begin(), row.end());
    in.names.push_back(std::to_string(in.names.size()));
  }
  if (in.names.empty()) throw UserError(path + ": no rows to predict");
  const int64_t n = static_cast<int64_t>(in.names.size());
  in.x = torch::tensor(values).view({n, dim});
  in.description = std::to_string(n) + " rows of " + std::to_string(dim) + " features from " + path;
  return in;
}

}  // namespace

PredictInputs read_predict_inputs(const std::string& path, const std::string& labels_path,
                                  const ExperimentConfig& cfg, const DataSpec& spec) {
  if (!file_exists(path) && !dir_exists(path)) throw UserError(path + ": no such file or folder");
  const std::string& type = cfg.data.type;
  if (type == "text")
    throw UserError("predict: a language model (data.type: text) writes text, not one prediction per sample: "
                    "use lpa generate");
  if (!labels_path.empty() && type != "idx")
    throw UserError("predict: --labels is for IDX images (data.type: idx), this run has data.type: " + type);
  if (type == "idx") return idx_inputs(path, labels_path, cfg, spec);
  if (type == "cifar10" || type == "cifar100") return cifar_inputs(path, labels_path, cfg, spec);
  if (type == "text_classification") return text_inputs(path, cfg);
  if (type == "surface") return csv_inputs(path, spec);
  throw UserError("predict: no input reader for data.type " + type);
}

}  // namespace lpa
