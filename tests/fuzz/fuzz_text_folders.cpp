// Text folders: a corpus tree read as labelled documents (a folder per label, data.root) and as
// a language-model corpus (data.files). Input: NUL-separated pairs "relative/path" NUL "content";
// paths are reduced to at most two plain components so the tree stays inside the scratch folder.
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "lpa/config/config.h"
#include "lpa/data/text_classification_dataset.h"
#include "lpa/data/text_dataset.h"

namespace {

std::string safe_relative_path(const std::string& raw) {
  std::string out, part;
  int parts = 0;
  auto flush = [&] {
    if (!part.empty() && part != "." && part != ".." && parts < 2) {
      out += (out.empty() ? "" : "/") + part;
      ++parts;
    }
    part.clear();
  };
  for (char c : raw) {
    if (c == '/') flush();
    else if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') part += c;
  }
  flush();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const std::string root = lpa::fuzz::fresh_scratch_folder("corpus");
  std::vector<std::string> fields;
  std::string field;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) fields.push_back(field), field.clear();
    else field += static_cast<char>(data[i]);
  }
  fields.push_back(field);
  for (size_t i = 0; i + 1 < fields.size() && i < 64; i += 2) {
    const std::string rel = safe_relative_path(fields[i]);
    if (rel.empty()) continue;
    const fs::path path = fs::path(root) / rel;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec || fs::is_directory(path, ec)) continue;  // a name already used as a folder
    lpa::fuzz::write_scratch_file("corpus/" + rel, reinterpret_cast<const uint8_t*>(fields[i + 1].data()),
                                  fields[i + 1].size());
  }
  lpa::ExperimentConfig cfg;
  cfg.data.seq_len = 16;
  cfg.data.type = "text_classification";
  cfg.data.root = root;
  lpa::fuzz::expect_result_or_user_error([&] { lpa::make_text_classification_dataset(cfg); });
  cfg.data.type = "text";
  cfg.data.root = "";
  cfg.data.files = {root};
  lpa::fuzz::expect_result_or_user_error([&] { lpa::make_text_dataset(cfg); });
  return 0;
}
