// Whole-file reads that see through gzip: dataset files ship as .gz (Debian, the MNIST site)
// or unpacked, and zlib reads both the same way.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

// The file's bytes, decompressed when it is gzip. Throws UserError naming the file when it is
// missing, unreadable or a truncated/corrupt gzip stream.
std::vector<uint8_t> read_maybe_gzip(const std::string& path);

// `path` when it exists, else `path + ".gz"` when that exists, else "".
std::string find_plain_or_gz(const std::string& path);

}  // namespace lpa
