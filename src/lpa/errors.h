// Errors a user can cause end with exit code 2 and one line; everything else is our bug (exit 1).
#pragma once
#include <stdexcept>
#include <string>

namespace lpa {

// Thrown for bad input: config, data files, CLI arguments, run directories, checkpoints.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when training must stop early but cleanly (signal): carries the process exit code.
struct StopRequested : std::runtime_error {
  int exit_code;
  StopRequested(const std::string& what, int code) : std::runtime_error(what), exit_code(code) {}
};

}  // namespace lpa
