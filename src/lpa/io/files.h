#pragma once
#include <string>

namespace lpa {

bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);
void make_dirs(const std::string& path);  // mkdir -p; throws UserError
std::string read_file(const std::string& path);  // throws UserError naming the file
// Writes to a temporary name in the same folder, fsyncs, renames over `path`, fsyncs the
// folder: readers see the old file or the new one, never half of one. A write that fails (full
// disk, `ulimit -f`, read-only folder) removes the temporary file and throws UserError naming
// `path` and the reason; the old file is untouched.
void write_file_atomic(const std::string& path, const std::string& contents);
void fsync_path(const std::string& path);  // file or directory, best effort
// All of data to fd, retrying short writes; false (errno set) when the system refuses.
bool write_fully(int fd, const void* data, size_t size);
// "<path>: cannot write (No space left on device)" for the errno of a failed write.
std::string write_error(const std::string& path, int err);
std::string parent_dir(const std::string& path);
std::string host_name();  // gethostname, "localhost" when it has none

}  // namespace lpa
