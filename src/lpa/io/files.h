#pragma once
#include <string>

namespace lpa {

bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);
void make_dirs(const std::string& path);  // mkdir -p; throws UserError
std::string read_file(const std::string& path);  // throws UserError naming the file
// Writes to a temporary name in the same folder, fsyncs, renames over `path`, fsyncs the
// folder: readers see the old file or the new one, never half of one.
void write_file_atomic(const std::string& path, const std::string& contents);
void fsync_path(const std::string& path);  // file or directory
std::string parent_dir(const std::string& path);

}  // namespace lpa
