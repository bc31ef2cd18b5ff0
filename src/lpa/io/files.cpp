#include "lpa/io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lpa/errors.h"

namespace lpa {

namespace fs = std::filesystem;

bool file_exists(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool dir_exists(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

void make_dirs(const std::string& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw UserError(p + ": cannot create directory: " + ec.message());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string parent_dir(const std::string& path) {
  auto p = fs::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw UserError(tmp + ": cannot write");
    out << contents;
    out.flush();
    if (!out) throw UserError(tmp + ": write failed");
  }
  fsync_path(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw UserError(path + ": cannot replace file");
  }
  fsync_path(parent_dir(path));
}

}  // namespace lpa
