// What every fuzz target checks (docs/testing.md): a reader given any bytes either returns or
// throws lpa::UserError. Any other exception is a bug, so it aborts and libFuzzer keeps the
// input; crashes, sanitizer reports, hangs and huge allocations are caught by libFuzzer itself.
#pragma once
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "lpa/errors.h"

namespace lpa::fuzz {

[[noreturn]] void abort_on(const char* kind, const std::string& what);

template <class Reader>
void expect_result_or_user_error(Reader&& read) {
  try {
    read();
  } catch (const UserError&) {
    // the promised outcome for a bad file
  } catch (const std::exception& e) {
    abort_on("an exception other than lpa::UserError", e.what());
  } catch (...) {
    abort_on("a non-std exception", "");
  }
}

// A folder of this process's own (removed at exit), for readers that take paths.
const std::string& scratch_dir();

// Writes the bytes to <scratch>/<name> (replacing it) and returns the path.
std::string write_scratch_file(const std::string& name, const uint8_t* data, size_t size);

// Removes everything under <scratch>/<name>, then creates it as an empty folder.
std::string fresh_scratch_folder(const std::string& name);

// Logs off (readers warn about what they skip; at thousands of inputs a second that is noise).
void quiet_logs();

}  // namespace lpa::fuzz
