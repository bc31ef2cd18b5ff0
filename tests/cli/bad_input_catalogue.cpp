#include "cli/bad_input_catalogue.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "test_support.h"

namespace lpa::test {

namespace fs = std::filesystem;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

void must_run(const std::string& what, const std::string& args) {
  const auto r = run_lpa(args);
  if (r.exit_code != 0) throw std::runtime_error("fixture: " + what + " failed: " + r.output);
}

// Everything the cases need, made in `dir` (a fresh folder).
void build_fixture(const std::string& dir) {
  write_text(dir + "/tiny.yaml", tiny_surface_yaml("fixture", 20));
  must_run("training run/", "train --config " + dir + "/tiny.yaml --run-dir " + dir + "/run --set eval.every=10");
  must_run("training other/", "train --config " + dir + "/tiny.yaml --run-dir " + dir +
                                  "/other --set model.width=24 --set train.steps=10");
  fs::create_directories(dir + "/export");
  must_run("exporting model.pt", "export --run " + dir + "/run --depth 2 -o " + dir + "/export/model.pt");
  must_run("exporting model.safetensors", "export --run " + dir + "/run --depth 2 --format safetensors -o " +
                                              dir + "/export/model.safetensors");
}

}  // namespace

std::string bad_inputs_dir() { return source_dir() + "/tests/cli/bad_inputs"; }

std::vector<std::string> bad_input_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(bad_inputs_dir()))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

BadInputCase load_bad_input(const std::string& name, const std::string& tmp) {
  const std::string fixture = tmp + "/fixture";
  auto expand = [&](std::string s) {
    s = replace_all(s, "{tiny}", tiny_surface_yaml("bad", 5));
    s = replace_all(s, "{tmp}", tmp);
    s = replace_all(s, "{run}", fixture + "/run");
    s = replace_all(s, "{other}", fixture + "/other");
    s = replace_all(s, "{export}", fixture + "/export");
    return replace_all(s, "{src}", source_dir());
  };
  const YAML::Node n = YAML::LoadFile(bad_inputs_dir() + "/" + name + ".yaml");
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key != "command" && key != "files" && key != "setup" && key != "expect")
      throw std::runtime_error(name + ".yaml: unknown field '" + key + "'");
  }
  BadInputCase c;
  c.name = name;
  c.command = expand(n["command"].as<std::string>());
  if (n["files"])
    for (const auto& kv : n["files"]) c.files[kv.first.as<std::string>()] = expand(kv.second.as<std::string>());
  if (n["setup"]) c.setup = expand(n["setup"].as<std::string>());
  for (const auto& e : n["expect"]) c.expect.push_back(expand(e.as<std::string>()));
  return c;
}

std::string trained_fixture() {
  // Keyed by the binary's modification time: a rebuilt lpa trains (and checks) a fresh one.
  struct stat st {};
  ::stat(LPA_BINARY, &st);
  const fs::path base = fs::path(LPA_BINARY).parent_path() / "test_fixtures";
  const fs::path dir = base / ("bad_inputs_" + std::to_string(st.st_mtime));
  fs::create_directories(base);
  const int lock = ::open((base / "bad_inputs.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ::flock(lock, LOCK_EX);
  if (!fs::exists(dir)) {
    std::vector<fs::path> old;  // fixtures of older builds
    for (const auto& e : fs::directory_iterator(base))
      if (e.is_directory() && e.path().filename().string().rfind("bad_inputs_", 0) == 0) old.push_back(e.path());
    for (const auto& p : old) fs::remove_all(p);
    const fs::path partial = base / ("partial_" + std::to_string(::getpid()));
    fs::remove_all(partial);
    fs::create_directories(partial);
    try {
      build_fixture(partial.string());
    } catch (...) {
      ::flock(lock, LOCK_UN);
      ::close(lock);
      throw;
    }
    fs::rename(partial, dir);
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  return dir.string();
}

std::map<std::string, uint64_t> fingerprint(const std::string& dir) {
  std::map<std::string, uint64_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : read_text(e.path().string())) h = (h ^ c) * 1099511628211ull;
    out[fs::relative(e.path(), dir).string()] = h;
  }
  return out;
}

}  // namespace lpa::test
