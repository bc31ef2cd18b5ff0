#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace lpa {

// A one-line progress bar on a terminal; plain spdlog lines every `log_every` steps when
// stdout is not a TTY (Slurm logs, CI), so logs stay readable.
class Progress {
 public:
  Progress(int64_t total_steps, int64_t log_every, bool enabled = true);
  void update(int64_t step, double loss, double lr, double samples_per_s);
  void message(const std::string& line);  // a log line that does not garble the bar
  void finish();

 private:
  int64_t total_, every_;
  bool tty_, enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace lpa
