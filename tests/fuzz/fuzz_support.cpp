#include "fuzz_support.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lpa::fuzz {
namespace fs = std::filesystem;

void abort_on(const char* kind, const std::string& what) {
  std::fprintf(stderr, "lpa fuzz: the reader threw %s: %s\n", kind, what.c_str());
  std::abort();
}

namespace {
struct Scratch {
  std::string path;
  Scratch() {
    path = (fs::temp_directory_path() / ("lpa_fuzz_" + std::to_string(::getpid()))).string();
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
}  // namespace

const std::string& scratch_dir() {
  static Scratch s;
  return s.path;
}

std::string write_scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

std::string fresh_scratch_folder(const std::string& name) {
  const std::string path = scratch_dir() + "/" + name;
  std::error_code ec;
  fs::remove_all(path, ec);
  fs::create_directories(path);
  return path;
}

void quiet_logs() { spdlog::set_level(spdlog::level::off); }

}  // namespace lpa::fuzz
