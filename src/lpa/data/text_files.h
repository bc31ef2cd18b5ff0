// Finding and reading the files of a text corpus: explicit files are always read, folders
// contribute (recursively, in sorted order) the files whose names end in one of `extensions`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

// `key` names the config key in messages ("config.yaml:12: data.files"). Throws UserError for a
// missing path or a folder without matching files.
std::vector<std::string> list_text_files(const std::vector<std::string>& paths,
                                         const std::vector<std::string>& extensions,
                                         const std::string& key);

// Files directly or recursively under `folder` that match `extensions` (empty = all), sorted.
std::vector<std::string> files_in_folder(const std::string& folder,
                                         const std::vector<std::string>& extensions);

// The first `max_bytes` bytes of a file (all when max_bytes < 0). Throws UserError.
std::string read_bytes(const std::string& path, int64_t max_bytes = -1);

// ".txt, .md" or "every file", for messages.
std::string describe_extensions(const std::vector<std::string>& extensions);

}  // namespace lpa
