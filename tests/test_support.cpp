#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <chrono>

namespace lpa::test {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  path = (fs::temp_directory_path() / ("lpa_test_" + tag + "_" + std::to_string(::getpid()) + "_" +
                                       std::to_string(counter++)))
             .string();
  fs::remove_all(path);
  fs::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void skip(const std::string& reason) {
  const char* require = std::getenv("LPA_REQUIRE_ALL");
  if (require && std::string(require) == "1") {
    std::cerr << "FAILED (LPA_REQUIRE_ALL=1 forbids skipping): " << reason << std::endl;
    std::_Exit(1);
  }
  std::cerr << "SKIPPED: " << reason << std::endl;
  std::_Exit(kSkipExitCode);
}

std::string torch_python() {
  for (const char* p : {"/usr/bin/python3", "python3"})
    if (run_shell(std::string(p) + " -c 'import torch' 2>/dev/null").exit_code == 0) return p;
  skip("no python3 that imports torch (Debian: python3-torch) to write the reference files");
}

CommandResult run_shell(const std::string& command) {
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, out};
}

CommandResult run_lpa(const std::string& args) {
  return run_shell(std::string("OMP_NUM_THREADS=1 ") + LPA_BINARY + " " + args);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tiny_surface_yaml(const std::string& name, int steps) {
  std::ostringstream y;
  y << "experiment:\n  name: " << name << "\n"
    << "model:\n  type: residual_mlp\n  depth: 4\n  width: 16\n"
    << "data:\n  type: surface\n  function: sincos\n  n_train: 256\n  n_val: 128\n  n_test: 128\n"
    << "  batch_size: 32\n"
    << "loss:\n  kind: lpa\n  mode: joint\n  weights: uniform\n"
    << "train:\n  steps: " << steps << "\n  lr: 0.005\n  threads: 1\n  device: cpu\n  log_every: 10\n"
    << "  warmup_steps: 0\n"
    << "eval:\n  every: 20\n";
  return y.str();
}

std::string source_dir() { return LPA_SOURCE_DIR; }

std::string fuzz_input(const std::string& target, const std::string& name) {
  return read_text(source_dir() + "/tests/fuzz/corpus/" + target + "/" + name);
}

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

pid_t spawn_lpa(const std::vector<std::string>& args, const std::string& log_path,
                const std::vector<std::string>& env) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  ::setenv("OMP_NUM_THREADS", "1", 1);
  for (const auto& e : env) {
    const auto eq = e.find('=');
    ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
  }
  std::vector<std::string> all = {LPA_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(LPA_BINARY, argv.data());
  ::_exit(127);
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

int64_t logged_step(const std::string& run) {
  const std::string text = read_text(run + "/train_log.csv");
  const size_t end = text.rfind('\n');
  if (end == std::string::npos || end == 0) return 0;
  const size_t begin = text.rfind('\n', end - 1);
  const size_t from = begin == std::string::npos ? 0 : begin + 1;
  const std::string row = text.substr(from, end - from);
  const std::string first = row.substr(0, row.find(','));
  if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(first);
}

bool wait_logged(pid_t pid, const std::string& run, int64_t target) {
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    if (logged_step(run) >= target) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

int interrupt_at(pid_t pid, const std::string& run, int64_t target, int sig, int delay_us) {
  if (!wait_logged(pid, run, target)) return -1;
  std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
  ::kill(pid, sig);
  return wait_exit(pid);
}

}  // namespace lpa::test
