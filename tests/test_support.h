// Shared helpers for tests: temporary folders, running the built binary, tiny configs.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lpa::test {

// Exit code of a test process that skipped (CTest's SKIP_RETURN_CODE for every test).
constexpr int kSkipExitCode = 77;

// Ends this test case as SKIPPED: prints the reason and exits with kSkipExitCode, which CTest
// reports as "Not Run (Skipped)", never as passed. With LPA_REQUIRE_ALL=1 (CI) a skip is a
// failure instead: the environment must provide everything the suite covers.
[[noreturn]] void skip(const std::string& reason);

// A python3 that imports torch (Debian's /usr/bin/python3 with python3-torch first; a python3 on
// PATH may be another install): for tests that write reference files with tests/python/. Skips
// the test when there is none.
std::string torch_python();

// A fresh folder under the build tree, removed when the object dies.
struct TempDir {
  explicit TempDir(const std::string& tag);
  ~TempDir();
  std::string path;
  std::string file(const std::string& name) const { return path + "/" + name; }
};

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs `lpa <args>` (the built binary) through the shell; args are used as written.
CommandResult run_lpa(const std::string& args);
CommandResult run_shell(const std::string& command);

void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

// A tiny surface config (depth 4, width 16, few steps) as YAML text, for fast end-to-end runs.
std::string tiny_surface_yaml(const std::string& name = "tiny", int steps = 60);

std::string source_dir();

// A checked-in fuzz input, tests/fuzz/corpus/<target>/<name>: regression tests replay the inputs
// the fuzzers found (docs/testing.md).
std::string fuzz_input(const std::string& target, const std::string& name);

// A TCP port on 127.0.0.1 that was free a moment ago (for rendezvous in tests).
int free_tcp_port();

// Starts the built lpa binary with `args` in the background, stdout+stderr into `log_path`,
// `env` ("NAME=value") added to the environment. wait_exit: exit code, or 128+signal.
pid_t spawn_lpa(const std::vector<std::string>& args, const std::string& log_path,
                const std::vector<std::string>& env = {});
int wait_exit(pid_t pid);

// The last complete row's step in <run>/train_log.csv (0 when none yet).
int64_t logged_step(const std::string& run);
// Waits until the run started as `pid` has logged step >= target; false if it ended first.
bool wait_logged(pid_t pid, const std::string& run, int64_t target);
// wait_logged, then `sig` after `delay_us`; the exit status (or -1 when it ended before the
// target).
int interrupt_at(pid_t pid, const std::string& run, int64_t target, int sig, int delay_us = 0);

// Rows of a CSV file as text cells (header first); empty when the file is missing.
std::vector<std::vector<std::string>> csv_rows(const std::string& path);

}  // namespace lpa::test
