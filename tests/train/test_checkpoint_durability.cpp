// A file with its final name is complete: checkpoints and atomic writes go to a temporary name,
// are fsynced, then renamed, then the folder is fsynced. Watched by interposing fsync and rename:
// this test binary defines both (forwarding to libc), so lpa_core's calls pass through here.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/io/files.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/optimizer.h"
#include "test_support.h"

namespace {

std::mutex events_mutex;
std::vector<std::string> events;  // "fsync PATH" | "rename FROM -> TO", in call order
bool recording = false;

std::string fd_path(int fd) {
  char buf[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
}

std::string canonical(const std::string& p) {
  std::error_code ec;
  auto c = std::filesystem::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

struct Recording {
  Recording() {
    std::lock_guard<std::mutex> g(events_mutex);
    events.clear();
    recording = true;
  }
  ~Recording() { recording = false; }
  std::vector<std::string> take() {
    std::lock_guard<std::mutex> g(events_mutex);
    recording = false;
    return events;
  }
};

// Index of the first event equal to `e` at or after `from`, or -1.
long find_event(const std::vector<std::string>& ev, const std::string& e, size_t from = 0) {
  for (size_t i = from; i < ev.size(); ++i)
    if (ev[i] == e) return static_cast<long>(i);
  return -1;
}

std::string join(const std::vector<std::string>& ev) {
  std::string s;
  for (const auto& e : ev) s += e + "\n";
  return s;
}

// What a durable replace of `final_path` via `tmp_path` looks like: the temporary file fsynced,
// then renamed onto the final name, then the folder fsynced.
void check_durable_replace(const std::vector<std::string>& ev, const std::string& tmp_path,
                           const std::string& final_path) {
  INFO(join(ev));
  const std::string dir = canonical(std::filesystem::path(final_path).parent_path().string());
  const long synced = find_event(ev, "fsync " + canonical(tmp_path));
  const long renamed = find_event(ev, "rename " + tmp_path + " -> " + final_path);
  REQUIRE(synced >= 0);
  REQUIRE(renamed > synced);
  CHECK(find_event(ev, "fsync " + dir, static_cast<size_t>(renamed)) > renamed);
}

}  // namespace

extern "C" int fsync(int fd) {
  using Fn = int (*)(int);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fsync"));
  if (recording) {
    std::lock_guard<std::mutex> g(events_mutex);
    events.push_back("fsync " + fd_path(fd));
  }
  return real(fd);
}

extern "C" int rename(const char* from, const char* to) noexcept {
  using Fn = int (*)(const char*, const char*);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "rename"));
  if (recording) {
    std::lock_guard<std::mutex> g(events_mutex);
    events.push_back(std::string("rename ") + from + " -> " + to);
  }
  return real(from, to);
}

using namespace lpa;

// Guards fsync_path(tmp) and the rename in save_checkpoint (train/checkpoint.cpp).
TEST_CASE("checkpoint: written to a partial name, fsynced, renamed, folder fsynced") {
  test::TempDir dir("ckpt_durable");
  auto cfg = parse_config("model:\n  depth: 2\n  width: 4\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  auto model = make_model(cfg, spec);
  auto opt = make_optimizer(cfg.train, model->parameters());
  TrainingState st;
  st.step = 7;
  Recording rec;
  const std::string path = save_checkpoint(dir.path, *model, opt.get(), st, 2);
  auto ev = rec.take();
  CHECK(path == dir.path + "/step_00000007.pt");
  check_durable_replace(ev, dir.path + "/.partial_step_00000007.pt", path);
  CHECK_FALSE(file_exists(dir.path + "/.partial_step_00000007.pt"));
  CHECK(list_checkpoints(dir.path) == std::vector<std::string>{path});
}

// Guards the temporary name, fsync and rename in write_file_atomic (io/files.cpp).
TEST_CASE("files: atomic write goes through a fsynced temporary file") {
  test::TempDir dir("atomic_durable");
  const std::string path = dir.file("config.yaml");
  Recording rec;
  write_file_atomic(path, "a: 1\n");
  auto ev = rec.take();
  check_durable_replace(ev, path + ".tmp." + std::to_string(::getpid()), path);
  CHECK(test::read_text(path) == "a: 1\n");
}
