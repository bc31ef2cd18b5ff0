// status.yaml in a run directory: what `lpa train` is doing there, for `lpa runs` (no daemon).
// Rank 0 writes it atomically when training starts (running, with its pid and host) and when
// it ends (finished, stopped or failed, with why). A process killed outright leaves "running"
// behind: a reader tells that from a live run by the pid (same host) or by how long the run
// directory has gone unwritten (another host).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "lpa/io/run_dir.h"

namespace lpa {

struct RunStatus {
  std::string state;        // running | finished | stopped | failed
  int64_t pid = 0;
  std::string host;
  int64_t total_steps = 0;
  std::string message;      // stopped / failed: why, one line
  std::string updated;      // local time it was written
};

// This process's pid and host, `updated` now; throws UserError when the file cannot be written.
void write_run_status(const RunDir& run, const std::string& state, int64_t total_steps,
                      const std::string& message = "");
// nullopt when the file is missing or unreadable (a run of an older lpa).
std::optional<RunStatus> read_run_status(const RunDir& run);

// Whether process `pid` on this host is alive and an lpa (not another process given its pid).
bool lpa_process_alive(int64_t pid);

}  // namespace lpa
