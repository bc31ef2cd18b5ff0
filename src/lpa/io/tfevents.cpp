#include "lpa/io/tfevents.h"

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "lpa/errors.h"
#include "lpa/io/crc32c.h"
#include "lpa/io/files.h"

namespace lpa {
namespace {

constexpr const char* kFilePrefix = "events.out.tfevents.";

// Protobuf wire types and the Event/Summary/Value field keys ((field << 3) | wire type).
enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };
constexpr uint32_t key(uint32_t field, Wire w) { return (field << 3) | w; }

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void put_bytes(std::string& out, uint32_t field, const std::string& s) {
  put_varint(out, key(field, kBytes));
  put_varint(out, s.size());
  out += s;
}

uint64_t get_le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

// Reads protobuf fields from one message's bytes.
class FieldReader {
 public:
  explicit FieldReader(const std::string& s) : s_(s) {}
  bool next() {
    if (at_ >= s_.size()) return false;
    const uint64_t k = varint();
    field_ = static_cast<uint32_t>(k >> 3);
    wire_ = static_cast<uint32_t>(k & 7);
    switch (wire_) {
      case kVarint: number_ = varint(); break;
      case kFixed64: number_ = fixed(8); break;
      case kFixed32: number_ = fixed(4); break;
      case kBytes: {
        const uint64_t n = varint();
        if (n > s_.size() - at_) bad("a length past the end");
        bytes_ = s_.substr(at_, n);
        at_ += n;
        break;
      }
      default: bad("wire type " + std::to_string(wire_));
    }
    return true;
  }
  uint32_t field() const { return field_; }
  uint32_t wire() const { return wire_; }
  uint64_t number() const { return number_; }
  const std::string& bytes() const { return bytes_; }

 private:
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= s_.size()) bad("a varint past the end");
      const auto b = static_cast<unsigned char>(s_[at_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    bad("a varint longer than 10 bytes");
    return 0;
  }
  uint64_t fixed(int n) {
    if (s_.size() - at_ < static_cast<size_t>(n)) bad("a fixed field past the end");
    const uint64_t v = get_le(s_, at_, n);
    at_ += static_cast<size_t>(n);
    return v;
  }
  [[noreturn]] static void bad(const std::string& what) { throw UserError("event record: " + what); }

  const std::string& s_;
  size_t at_ = 0;
  uint32_t field_ = 0, wire_ = 0;
  uint64_t number_ = 0;
  std::string bytes_;
};

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string encode_event(const ScalarEvent& e) {
  std::string out;
  uint64_t wall_bits = 0;
  std::memcpy(&wall_bits, &e.wall_time, sizeof wall_bits);
  put_varint(out, key(1, kFixed64));
  put_le(out, wall_bits, 8);
  put_varint(out, key(2, kVarint));
  put_varint(out, static_cast<uint64_t>(e.step));
  if (!e.file_version.empty()) put_bytes(out, 3, e.file_version);
  if (!e.values.empty()) {
    std::string summary;
    for (const auto& [tag, v] : e.values) {
      std::string value;
      put_bytes(value, 1, tag);
      uint32_t bits = 0;
      std::memcpy(&bits, &v, sizeof bits);
      put_varint(value, key(2, kFixed32));
      put_le(value, bits, 4);
      put_bytes(summary, 1, value);
    }
    put_bytes(out, 5, summary);
  }
  return out;
}

ScalarEvent decode_event(const std::string& data) {
  ScalarEvent e;
  FieldReader r(data);
  while (r.next()) {
    if (r.field() == 1 && r.wire() == kFixed64) {
      const uint64_t bits = r.number();
      std::memcpy(&e.wall_time, &bits, sizeof bits);
    } else if (r.field() == 2 && r.wire() == kVarint) {
      e.step = static_cast<int64_t>(r.number());
    } else if (r.field() == 3 && r.wire() == kBytes) {
      e.file_version = r.bytes();
    } else if (r.field() == 5 && r.wire() == kBytes) {
      FieldReader summary(r.bytes());
      while (summary.next()) {
        if (summary.field() != 1 || summary.wire() != kBytes) continue;
        FieldReader value(summary.bytes());
        std::pair<std::string, float> tv{"", 0.0F};
        while (value.next()) {
          if (value.field() == 1 && value.wire() == kBytes) tv.first = value.bytes();
          if (value.field() == 2 && value.wire() == kFixed32) {
            const auto bits = static_cast<uint32_t>(value.number());
            std::memcpy(&tv.second, &bits, sizeof bits);
          }
        }
        e.values.push_back(tv);
      }
    }
  }
  return e;
}

std::string frame_record(const std::string& data) {
  std::string length;
  put_le(length, data.size(), 8);
  std::string out = length;
  put_le(out, masked_crc32c(length.data(), length.size()), 4);
  out += data;
  put_le(out, masked_crc32c(data.data(), data.size()), 4);
  return out;
}

std::vector<std::string> read_records(const std::string& bytes, size_t* whole_bytes) {
  std::vector<std::string> records;
  size_t at = 0;
  while (bytes.size() - at >= 12) {
    const uint64_t n = get_le(bytes, at, 8);
    if (get_le(bytes, at + 8, 4) != masked_crc32c(bytes.data() + at, 8)) break;
    if (n > bytes.size() - at - 12 || bytes.size() - at - 12 - n < 4) break;
    const std::string data = bytes.substr(at + 12, n);
    if (get_le(bytes, at + 12 + n, 4) != masked_crc32c(data.data(), data.size())) break;
    records.push_back(data);
    at += 12 + n + 4;
  }
  if (whole_bytes) *whole_bytes = at;
  return records;
}

std::string event_file_name() {
  const auto seconds = static_cast<long long>(wall_time_now());
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%010lld", seconds);
  return std::string(kFilePrefix) + stamp + "." + host_name();
}

std::vector<std::string> list_event_files(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return files;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    // Not the temporary files of an atomic rewrite (".tmp.<pid>").
    if (name.rfind(kFilePrefix, 0) == 0 && name.find(".tmp.") == std::string::npos)
      files.push_back(dir + "/" + name);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

void truncate_events_after_step(const std::string& dir, int64_t step) {
  const auto files = list_event_files(dir);
  if (files.empty()) return;
  std::string kept;
  for (const auto& data : read_records(read_file(files.front()))) {
    ScalarEvent e;
    try {
      e = decode_event(data);
    } catch (const UserError&) {
      continue;  // a record whose CRC holds but that is no Event: not ours to keep
    }
    if (!e.file_version.empty() || e.step <= step) kept += frame_record(data);
  }
  write_file_atomic(files.front(), kept);
  for (size_t i = 1; i < files.size(); ++i) std::remove(files[i].c_str());
}

EventFileWriter::EventFileWriter(const std::string& dir, bool append) {
  make_dirs(dir);
  const auto existing = list_event_files(dir);
  if (append && !existing.empty()) {
    file_ = std::make_unique<AppendFile>(existing.front(), true);
    return;
  }
  for (const auto& f : existing) std::remove(f.c_str());
  file_ = std::make_unique<AppendFile>(dir + "/" + event_file_name(), false);
  ScalarEvent version;
  version.wall_time = wall_time_now();
  version.file_version = "brain.Event:2";
  file_->append(frame_record(encode_event(version)));
}

void EventFileWriter::scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  ScalarEvent e;
  e.wall_time = wall_time_now();
  e.step = step;
  for (const auto& [tag, v] : values) e.values.emplace_back(tag, static_cast<float>(v));
  file_->append(frame_record(encode_event(e)));
}

}  // namespace lpa
