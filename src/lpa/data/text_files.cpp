#include "lpa/data/text_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "lpa/errors.h"

namespace lpa {

namespace fs = std::filesystem;

static bool matches(const std::string& name, const std::vector<std::string>& extensions) {
  if (extensions.empty()) return true;
  for (const auto& e : extensions)
    if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
  return false;
}

std::string describe_extensions(const std::vector<std::string>& extensions) {
  if (extensions.empty()) return "every file";
  std::string s;
  for (const auto& e : extensions) s += (s.empty() ? "" : ", ") + e;
  return s;
}

std::vector<std::string> files_in_folder(const std::string& folder,
                                         const std::vector<std::string>& extensions) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {  // hidden files and folders (.git, .DS_Store)
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && matches(name, extensions)) out.push_back(it->path().string());
  }
  if (ec) throw UserError(folder + ": cannot list folder: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> list_text_files(const std::vector<std::string>& paths,
                                         const std::vector<std::string>& extensions,
                                         const std::string& key) {
  if (paths.empty()) throw UserError(key + ": no text files given (a file, a folder, or a list)");
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else if (fs::is_directory(p, ec)) {
      auto found = files_in_folder(p, extensions);
      if (found.empty())
        throw UserError(key + ": folder " + p + " holds no files ending in " +
                        describe_extensions(extensions) + " (see data.extensions)");
      out.insert(out.end(), found.begin(), found.end());
    } else {
      throw UserError(key + ": " + p + " does not exist" +
                      (p.rfind("data/", 0) == 0 ? " (scripts/fetch_data.sh fetches the corpora)" : ""));
    }
  }
  return out;
}

std::string read_bytes(const std::string& path, int64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot open");
  std::string s;
  if (max_bytes < 0) {
    s.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    s.resize(static_cast<size_t>(max_bytes));
    in.read(&s[0], max_bytes);
    s.resize(static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw UserError(path + ": read error");
  return s;
}

}  // namespace lpa
