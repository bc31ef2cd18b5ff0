// A log file written record by record, unbuffered, so it is readable while a run trains and
// whole up to the last record if the process dies. CSV logs and TensorBoard event files share it.
#pragma once
#include <string>

namespace lpa {

class AppendFile {
 public:
  // append=false creates (or empties) the file; append=true continues it.
  AppendFile(const std::string& path, bool append);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  // A record the system refuses (full disk, `ulimit -f`) is cut off again, so the file still
  // ends with a whole record, and throws UserError naming the file.
  void append(const std::string& bytes);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace lpa
