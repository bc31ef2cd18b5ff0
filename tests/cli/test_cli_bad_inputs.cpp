// The bad-input catalogue, one CTest test per case (tests/CMakeLists.txt adds them; the case is
// named by LPA_BAD_INPUT_CASE, all of them when unset): every case must end with exit code 2,
// one error line on stderr naming the file, key or flag, nothing else but log lines on stdout,
// and every file of the trained run directories it can reach exactly as it was.
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include "catch.h"
#include "cli/bad_input_catalogue.h"
#include "test_support.h"

using namespace lpa;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

// spdlog's info / warning / debug lines ("[2026-01-01 12:00:00] [info] ..."): progress talk,
// not the error. Only these are stripped, and only from stdout.
bool is_log_line(const std::string& line) {
  static const std::regex log(R"(^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[(info|warning|debug|trace)\] .*)");
  return std::regex_match(line, log);
}

// Files added, removed or with other bytes.
std::vector<std::string> changed_files(const std::map<std::string, uint64_t>& before,
                                       const std::map<std::string, uint64_t>& after) {
  std::vector<std::string> changed;
  for (const auto& [file, hash] : before)
    if (!after.count(file) || after.at(file) != hash) changed.push_back(file);
  for (const auto& [file, hash] : after)
    if (!before.count(file)) changed.push_back(file + " (new)");
  return changed;
}

void check_case(const std::string& name) {
  test::TempDir tmp("bad_input");
  const test::BadInputCase c = test::load_bad_input(name, tmp.path);
  REQUIRE(!c.expect.empty());  // every case says what its line must name
  const std::string fixture = tmp.file("fixture");
  fs::copy(test::trained_fixture(), fixture, fs::copy_options::recursive);
  for (const auto& [file, text] : c.files) {
    fs::create_directories(fs::path(tmp.file(file)).parent_path());
    test::write_text(tmp.file(file), text);
  }
  if (!c.setup.empty()) {
    const auto setup = test::run_shell("cd " + tmp.path + " && " + c.setup);
    INFO(name << ": setup: " << setup.output);
    REQUIRE(setup.exit_code == 0);
  }
  const auto before = test::fingerprint(fixture);

  // Braces: run_shell's own 2>&1 must not fold this stderr into stdout.
  const auto r = test::run_shell("cd " + tmp.path + " && { OMP_NUM_THREADS=1 " + LPA_BINARY + " " + c.command +
                                 " >" + tmp.file("stdout.txt") + " 2>" + tmp.file("stderr.txt") + "; }");
  const auto err = lines_of(test::read_text(tmp.file("stderr.txt")));
  std::vector<std::string> out;
  for (const auto& l : lines_of(test::read_text(tmp.file("stdout.txt"))))
    if (!is_log_line(l)) out.push_back(l);

  INFO(name << ": lpa " << c.command << "\nstderr:\n" << test::read_text(tmp.file("stderr.txt"))
            << "stdout:\n" << test::read_text(tmp.file("stdout.txt")));
  CHECK(r.exit_code == 2);
  REQUIRE(err.size() == 1);
  CHECK(err[0].rfind("lpa: error: ", 0) == 0);
  for (const auto& e : c.expect) {
    INFO("expected in the error line: " << e);
    CHECK(err[0].find(e) != std::string::npos);
  }
  CHECK(out.empty());
  CHECK(changed_files(before, test::fingerprint(fixture)).empty());  // of the runs, checkpoints, exports
}

}  // namespace

TEST_CASE("cli bad inputs: a catalogue case", "[bad_inputs]") {
  const char* only = std::getenv("LPA_BAD_INPUT_CASE");
  if (only) {
    check_case(only);
    return;
  }
  for (const auto& name : test::bad_input_names()) check_case(name);
}

TEST_CASE("cli bad inputs: the catalogue has at least 40 cases and each loads") {
  const auto names = test::bad_input_names();
  CHECK(names.size() >= 40);
  test::TempDir tmp("bad_input_list");
  for (const auto& name : names) {
    INFO(name);
    const auto c = test::load_bad_input(name, tmp.path);
    CHECK(!c.expect.empty());
  }
}
