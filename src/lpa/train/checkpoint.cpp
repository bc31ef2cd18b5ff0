#include "lpa/train/checkpoint.h"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kFormat = 1;

int64_t step_of(const std::string& name) {  // "step_00000123.pt" -> 123, else -1
  if (name.size() < 9 || name.rfind("step_", 0) != 0 || name.substr(name.size() - 3) != ".pt") return -1;
  const std::string digits = name.substr(5, name.size() - 8);
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

std::string shape_text(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// Module::load replaces a tensor of another shape without complaint (set_), so a checkpoint
// of a differently configured model would silently reshape this one: compare first.
void check_shapes(torch::nn::Module& m, torch::serialize::InputArchive& a, const std::string& prefix) {
  auto check = [&](const std::string& key, const torch::Tensor& mine, bool buffer) {
    torch::Tensor theirs;
    if (!a.try_read(key, theirs, buffer)) throw UserError("has no " + prefix + key);
    if (theirs.sizes() != mine.sizes() || theirs.scalar_type() != mine.scalar_type())
      throw UserError(prefix + key + " is " + shape_text(theirs) + " there, " + shape_text(mine) +
                      " in this model (another model configuration?)");
  };
  for (const auto& p : m.named_parameters(/*recurse=*/false)) check(p.key(), p.value(), false);
  for (const auto& b : m.named_buffers(/*recurse=*/false)) check(b.key(), b.value(), true);
  for (const auto& c : m.named_children()) {
    torch::serialize::InputArchive child;
    if (!a.try_read(c.key(), child)) throw UserError("has no " + prefix + c.key());
    check_shapes(*c.value(), child, prefix + c.key() + ".");
  }
}

uint32_t le(const std::string& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(b[at + k]);
  return v;
}

// A LibTorch archive is a zip file whose entries are stored with their CRC-32, but LibTorch's
// reader does not check them, and its unpickler crashes on some altered bytes (found by
// tests/fuzz/fuzz_checkpoint.cpp: a SEGV in ScriptTypeParser). So the bytes are checked here
// first: a bit flip or a foreign file is a clear error, and what reaches LibTorch is what lpa
// wrote. Where the end record defers to zip64 (0xFFFFFFFF; LibTorch writes the zip64 records
// too), the directory is found through them (fuzz_checkpoint: a directory offset altered to
// 0xFFFFFFFF reached the same SEGV when this check stopped there); entries too large for 32-bit
// fields and compressed entries are left to LibTorch.
void verify_archive_checksums(const std::string& path) {
  const std::string b = read_file(path);
  const size_t n = b.size();
  size_t eocd = std::string::npos;
  for (size_t i = n >= 22 ? n - 22 : 0; n >= 22; --i) {
    if (le(b, i, 4) == 0x06054b50u) { eocd = i; break; }
    if (i == 0 || n - i > 22 + 65535) break;
  }
  if (eocd == std::string::npos) throw UserError("not a LibTorch archive (no zip directory)");
  auto corrupt = [](const std::string& why) { return UserError("corrupt archive: " + why); };
  uint64_t entries = le(b, eocd + 10, 2), dir = le(b, eocd + 16, 4);
  if (dir == 0xFFFFFFFFu || entries == 0xFFFFu) {
    // The zip64 locator sits right before the end record and points at the zip64 end record.
    auto le64 = [&](size_t i) { return le(b, i, 4) | (static_cast<uint64_t>(le(b, i + 4, 4)) << 32); };
    if (eocd < 20 || le(b, eocd - 20, 4) != 0x07064b50u) throw corrupt("zip64 directory locator missing");
    const uint64_t record = le64(eocd - 20 + 8);
    if (record > n || n - record < 56 || le(b, record, 4) != 0x06064b50u)
      throw corrupt("zip64 directory record out of place");
    entries = le64(record + 32);
    dir = le64(record + 48);
  }
  if (dir > n) throw corrupt("zip directory out of place");
  size_t at = dir;
  for (uint64_t e = 0; e < entries; ++e) {
    if (at + 46 > n || le(b, at, 4) != 0x02014b50u) throw corrupt("zip directory entry out of place");
    const uint32_t method = le(b, at + 10, 2), crc = le(b, at + 16, 4), size = le(b, at + 20, 4);
    const size_t name = le(b, at + 28, 2), extra = le(b, at + 30, 2), comment = le(b, at + 32, 2);
    const size_t local = le(b, at + 42, 4);
    const std::string entry = at + 46 + name <= n ? b.substr(at + 46, name) : "?";
    at += 46 + name + extra + comment;
    if (method != 0 || size == 0xFFFFFFFFu || local == 0xFFFFFFFFu) continue;
    if (local + 30 > n || le(b, local, 4) != 0x04034b50u) throw corrupt(entry + ": local header out of place");
    const size_t data = local + 30 + le(b, local + 26, 2) + le(b, local + 28, 2);
    if (data > n || size > n - data) throw corrupt(entry + ": truncated");
    const uLong actual = ::crc32(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(b.data() + data), size);
    if (actual != crc) throw corrupt(entry + ": bytes do not match their CRC-32");
  }
}

int64_t read_int(torch::serialize::InputArchive& a, const std::string& key) {
  c10::IValue v;
  a.read(key, v);
  return v.toInt();
}

// The archive to `tmp`, fsynced, renamed to `path`. The bytes go through our own write so a
// refused write (full disk, `ulimit -f`, read-only folder) is reported with its reason and
// `path`, and leaves no partial file; the checkpoints already there are untouched.
void write_archive(torch::serialize::OutputArchive& archive, const std::string& tmp,
                   const std::string& path) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw UserError(write_error(path, errno) + "; the previous checkpoints are intact");
  int err = 0;
  try {
    // After a refused write the rest is dropped but reported as written: LibTorch's zip writer
    // meets a short write with an exception, and again in its destructor, which aborts.
    archive.save_to([&](const void* data, size_t size) -> size_t {
      if (err == 0 && !write_fully(fd, data, size)) err = errno;
      return size;
    });
  } catch (const std::exception&) {
    ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    std::remove(tmp.c_str());
    throw UserError(write_error(path, err) + "; the previous checkpoints are intact");
  }
}

}  // namespace

torch::Tensor capture_rng() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

torch::Tensor capture_cuda_rng(const torch::Device& device) {
  if (!device.is_cuda()) return {};
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void restore_rng(const TrainingState& s, const torch::Device& device) {
  if (s.cpu_rng.defined()) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s.cpu_rng);
  }
  if (s.cuda_rng.defined() && device.is_cuda()) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s.cuda_rng);
  }
}

void remove_partial_checkpoints(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> partial;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(".partial_", 0) == 0) partial.push_back(e.path());
  for (const auto& p : partial) fs::remove(p, ec);
}

int64_t checkpoint_step(const std::string& path) { return step_of(fs::path(path).filename().string()); }

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    int64_t s = step_of(e.path().filename().string());
    if (s >= 0 && e.is_regular_file()) found.emplace_back(s, e.path().string());
  }
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(f.second);
  return out;
}

std::string save_checkpoint(const std::string& dir, DepthwiseModel& model,
                            torch::optim::Optimizer* optimizer, const TrainingState& st,
                            int64_t keep) {
  make_dirs(dir);
  torch::serialize::OutputArchive archive;
  archive.write("lpa_checkpoint_format", c10::IValue(kFormat));
  archive.write("model_kind", c10::IValue(model.kind()));
  archive.write("step", c10::IValue(st.step));
  archive.write("sampler_epoch", c10::IValue(st.sampler_epoch));
  archive.write("sampler_position", c10::IValue(st.sampler_position));
  if (st.cpu_rng.defined()) archive.write("cpu_rng", st.cpu_rng);
  if (st.cuda_rng.defined()) archive.write("cuda_rng", st.cuda_rng.to(torch::kCPU));
  archive.write("elapsed_s", c10::IValue(st.elapsed_s));
  if (st.objective.defined()) archive.write("objective_state", st.objective.to(torch::kCPU));
  if (st.loss_scale.defined()) archive.write("loss_scale", st.loss_scale.to(torch::kCPU));
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive opt_archive;
    optimizer->save(opt_archive);
    archive.write("optimizer", opt_archive);
  }
  char name[64];
  std::snprintf(name, sizeof name, "step_%08lld.pt", static_cast<long long>(st.step));
  std::string path = dir + "/" + name;
  const std::string tmp = dir + "/.partial_" + name;
  write_archive(archive, tmp, path);
  fsync_path(dir);
  auto all = list_checkpoints(dir);
  for (size_t i = static_cast<size_t>(std::max<int64_t>(keep, 1)); i < all.size(); ++i)
    std::remove(all[i].c_str());
  return path;
}

TrainingState load_checkpoint(const std::string& f, DepthwiseModel& model,
                              torch::optim::Optimizer* optimizer, c10::optional<torch::Device> device) {
  verify_archive_checksums(f);
  torch::serialize::InputArchive archive;
  archive.load_from(f, device);
  c10::IValue format;
  if (!archive.try_read("lpa_checkpoint_format", format) || !format.isInt())
    throw UserError("not an lpa checkpoint");
  if (format.toInt() > kFormat)
    throw UserError("written by a newer lpa (checkpoint format " + std::to_string(format.toInt()) + ")");
  c10::IValue kind;
  archive.read("model_kind", kind);
  if (kind.toStringRef() != model.kind())
    throw UserError("holds a " + kind.toStringRef() + " model, this run is " + model.kind());
  TrainingState st;
  st.step = read_int(archive, "step");
  st.sampler_epoch = read_int(archive, "sampler_epoch");
  st.sampler_position = read_int(archive, "sampler_position");
  archive.try_read("cpu_rng", st.cpu_rng);
  archive.try_read("cuda_rng", st.cuda_rng);
  // Checked here, not when restore_rng hands it to LibTorch (a c10::Error mid-resume).
  if (st.cpu_rng.defined() && (st.cpu_rng.scalar_type() != torch::kUInt8 || st.cpu_rng.dim() != 1 ||
                               st.cpu_rng.numel() != capture_rng().numel()))
    throw UserError("cpu_rng is not a LibTorch CPU generator state (" + shape_text(st.cpu_rng) + ")");
  if (st.cpu_rng.defined()) st.cpu_rng = st.cpu_rng.to(torch::kCPU);
  if (st.cuda_rng.defined()) st.cuda_rng = st.cuda_rng.to(torch::kCPU);
  c10::IValue elapsed;
  if (archive.try_read("elapsed_s", elapsed) && elapsed.isDouble()) st.elapsed_s = elapsed.toDouble();
  archive.try_read("objective_state", st.objective);
  archive.try_read("loss_scale", st.loss_scale);
  if (st.objective.defined()) st.objective = st.objective.to(torch::kCPU);
  torch::serialize::InputArchive model_archive;
  archive.read("model", model_archive);
  check_shapes(model, model_archive, "");
  model.load(model_archive);
  if (optimizer) {
    torch::serialize::InputArchive opt_archive;
    if (!archive.try_read("optimizer", opt_archive)) throw UserError("holds no optimiser state");
    optimizer->load(opt_archive);
  }
  return st;
}

std::optional<TrainingState> load_latest_checkpoint(const std::string& dir, DepthwiseModel& model,
                                                    torch::optim::Optimizer* optimizer,
                                                    std::string* loaded_path,
                                                    c10::optional<torch::Device> device) {
  auto files = list_checkpoints(dir);
  if (files.empty()) return std::nullopt;
  std::string last_error;
  for (const auto& f : files) {
    try {
      TrainingState st = load_checkpoint(f, model, optimizer, device);
      if (loaded_path) *loaded_path = f;
      return st;
    } catch (const std::exception& e) {
      std::string msg = e.what();
      msg = msg.substr(0, msg.find('\n'));
      if (last_error.empty()) last_error = f + ": " + msg;
      spdlog::warn("skipping unreadable checkpoint {}: {}", f, msg);
    }
  }
  throw UserError("no readable checkpoint in " + dir + " (newest error: " + last_error + ")");
}

}  // namespace lpa
