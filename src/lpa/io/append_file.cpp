#include "lpa/io/append_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {

AppendFile::AppendFile(const std::string& path, bool append) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd_ < 0) throw UserError(write_error(path, errno));
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendFile::append(const std::string& bytes) {
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (write_fully(fd_, bytes.data(), bytes.size())) return;
  const int err = errno;
  // Shrinking is allowed past `ulimit -f` and on a full disk: drop the part of the record written.
  if (end >= 0 && ::ftruncate(fd_, end) != 0)
    spdlog::warn("{}: a partial last record could not be cut off; a resumed run drops it", path_);
  throw UserError(write_error(path_, err));
}

}  // namespace lpa
