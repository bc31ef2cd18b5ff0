#include "lpa/data/compressed_file.h"

#include <zlib.h>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {

std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  if (!file_exists(path)) throw UserError(path + ": file not found");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw UserError(path + ": cannot open");
  gzbuffer(f, 1 << 20);
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    const int n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw UserError(path + ": corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  // A gzip stream cut short reads as a clean end of file; zlib reports it only here.
  int code = 0;
  const char* msg = gzerror(f, &code);
  std::string err = (code != Z_OK && code != Z_STREAM_END && msg) ? msg : "";
  gzclose(f);
  if (!err.empty()) throw UserError(path + ": truncated or corrupt gzip data (" + err + ")");
  return out;
}

std::string find_plain_or_gz(const std::string& path) {
  if (file_exists(path)) return path;
  if (file_exists(path + ".gz")) return path + ".gz";
  return "";
}

}  // namespace lpa
