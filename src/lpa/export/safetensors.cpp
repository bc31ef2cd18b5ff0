#include "lpa/export/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/io/json.h"

namespace lpa {

namespace {

struct DtypeName {
  torch::ScalarType type;
  const char* name;
};
const DtypeName kDtypes[] = {
    {torch::kFloat64, "F64"}, {torch::kFloat32, "F32"}, {torch::kFloat16, "F16"},
    {torch::kBFloat16, "BF16"}, {torch::kInt64, "I64"},  {torch::kInt32, "I32"},
    {torch::kInt16, "I16"},   {torch::kInt8, "I8"},     {torch::kUInt8, "U8"},
    {torch::kBool, "BOOL"},
};

std::string dtype_name(torch::ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d.name;
  throw std::runtime_error(std::string("safetensors: unsupported dtype ") + c10::toString(t));
}

bool host_is_little_endian() {
  const uint16_t one = 1;
  return *reinterpret_cast<const uint8_t*>(&one) == 1;
}

void put_u64_le(std::string& out, uint64_t v) {
  for (int k = 0; k < 8; ++k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
}

uint64_t get_u64_le(const std::string& s) {
  uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(s[k]);
  return v;
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  if (!host_is_little_endian()) throw std::runtime_error("safetensors: big-endian hosts are not supported");
  std::set<std::string> names;
  std::string header = "{";
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first_meta = true;
    for (const auto& [k, v] : metadata) {
      header += (first_meta ? "" : ",") + json_quote(k) + ":" + json_quote(v);
      first_meta = false;
    }
    header += "}";
    first = false;
  }
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second)
      throw std::runtime_error("safetensors: duplicate or reserved tensor name '" + name + "'");
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(c.numel()) * c.element_size();
    header += (first ? "" : ",") + json_quote(name) + ":{\"dtype\":\"" + dtype_name(c.scalar_type()) +
              "\",\"shape\":[";
    for (int64_t i = 0; i < c.dim(); ++i) header += (i ? "," : "") + std::to_string(c.size(i));
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    data.push_back(c);
    first = false;
  }
  header += "}";
  // The reference implementation pads the header with spaces so the byte buffer starts
  // 8-byte aligned; readers must accept trailing whitespace.
  while (header.size() % 8 != 0) header += ' ';
  std::string out;
  out.reserve(8 + header.size() + offset);
  put_u64_le(out, header.size());
  out += header;
  for (const auto& c : data)
    out.append(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()) * c.element_size());
  write_file_atomic(path, out);
}

bool looks_like_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(9, '\0');
  if (!in.read(head.data(), 9)) return false;
  const uint64_t n = get_u64_le(head);
  return n >= 2 && n < (100u << 20) && head[8] == '{';
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::string bytes = read_file(path);
  auto bad = [&](const std::string& what) { return UserError(path + ": not a valid safetensors file: " + what); };
  if (bytes.size() < 8) throw bad("shorter than the 8-byte header length");
  const uint64_t n = get_u64_le(bytes);
  if (n > bytes.size() - 8) throw bad("header length " + std::to_string(n) + " exceeds the file size");
  const std::string header = bytes.substr(8, n);
  if (header.empty() || header[0] != '{') throw bad("header does not start with '{'");
  Json root;
  try {
    root = parse_json(header);
  } catch (const std::exception& e) {
    throw bad(std::string("header JSON: ") + e.what());
  }
  if (!root.is_object()) throw bad("header is not a JSON object");
  const uint64_t buffer_size = bytes.size() - 8 - n;
  const char* buffer = bytes.data() + 8 + n;
  // A non-negative integer that fits in 64 bits (nlohmann reads larger ones as floats).
  auto as_uint = [](const Json& v) -> uint64_t {
    if (!v.is_number_unsigned()) throw std::runtime_error("expected a non-negative integer, got " + v.dump());
    return v.get<uint64_t>();
  };

  SafetensorsFile f;
  struct Span { uint64_t begin, end; std::string name; torch::Tensor t; };
  std::vector<Span> spans;
  for (const auto& [name, entry] : root.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw bad("__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw bad("__metadata__." + k + " is not a string");
        f.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    try {
      if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets") ||
          !entry["dtype"].is_string() || !entry["shape"].is_array() || !entry["data_offsets"].is_array() ||
          entry["data_offsets"].size() != 2)
        throw std::runtime_error("needs dtype, shape and data_offsets [begin, end]");
      const std::string dtype = entry["dtype"].get<std::string>();
      const DtypeName* d = nullptr;
      for (const auto& cand : kDtypes)
        if (dtype == cand.name) d = &cand;
      if (!d) throw std::runtime_error("unsupported dtype " + dtype);
      // The size is checked against the offsets before anything is allocated, so a shape of
      // [1000000000000] is an error, not a terabyte request; products that overflow never match.
      std::vector<int64_t> dims;
      uint64_t nbytes = c10::elementSize(d->type);
      bool overflow = false, empty = false;
      for (const auto& s : entry["shape"]) {
        const uint64_t n = as_uint(s);
        if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          throw std::runtime_error("dimension " + s.dump() + " is too large");
        dims.push_back(static_cast<int64_t>(n));
        empty = empty || n == 0;
        overflow = overflow || __builtin_mul_overflow(nbytes, n, &nbytes);
      }
      if (empty) nbytes = 0, overflow = false;
      const uint64_t begin = as_uint(entry["data_offsets"][0]), end = as_uint(entry["data_offsets"][1]);
      if (overflow || end < begin || end > buffer_size || end - begin != nbytes)
        throw std::runtime_error("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                 "] do not match the shape and dtype within a buffer of " +
                                 std::to_string(buffer_size) + " bytes");
      torch::Tensor t = torch::empty(dims, torch::TensorOptions().dtype(d->type));
      if (nbytes > 0) std::memcpy(t.data_ptr(), buffer + begin, nbytes);  // data_ptr() of [0] is null
      spans.push_back({begin, end, name, t});
    } catch (const std::runtime_error& e) {
      throw bad("tensor '" + name + "': " + e.what());
    }
  }
  // The byte buffer must be covered exactly: no holes, no overlaps.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t at = 0;
  for (const auto& s : spans) {
    if (s.begin != at) throw bad("tensor '" + s.name + "' does not start where the previous one ends");
    at = s.end;
  }
  if (at != buffer_size) throw bad("the tensors do not cover the data buffer exactly");
  for (auto& s : spans) f.tensors.emplace_back(s.name, s.t);
  return f;
}

}  // namespace lpa
