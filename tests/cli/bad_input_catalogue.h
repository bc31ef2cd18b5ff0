// The bad-input catalogue (tests/cli/bad_inputs/*.yaml, format in its README.md): loading a
// case, the trained run every case can point at, and a fingerprint of a folder's files.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lpa::test {

struct BadInputCase {
  std::string name;                          // file name without .yaml
  std::string command;                       // lpa's arguments, placeholders expanded
  std::map<std::string, std::string> files;  // written under {tmp} first
  std::string setup;                         // shell command run in {tmp} after that
  std::vector<std::string> expect;           // substrings of the one error line
};

std::string bad_inputs_dir();              // tests/cli/bad_inputs in the source tree
std::vector<std::string> bad_input_names();  // every case, sorted

// Reads tests/cli/bad_inputs/<name>.yaml, expanding {tmp}, {run}, {other}, {export}, {src} and
// {tiny} (the text of tiny_surface_yaml) for a case that runs in the folder `tmp`.
BadInputCase load_bad_input(const std::string& name, const std::string& tmp);

// A folder holding run/ (tiny surface run, depth 4, checkpoints at steps 10 and 20), other/ (a
// run of a wider model) and export/ (run at depth 2 as model.pt and model.safetensors, each
// with its .yaml sidecar). Trained once per build of lpa and shared by every test process
// (under a lock); callers copy it before touching it.
std::string trained_fixture();

// Every regular file under `dir` (relative path) -> hash of its bytes.
std::map<std::string, uint64_t> fingerprint(const std::string& dir);

}  // namespace lpa::test
