// On resume, a run's step-indexed CSV logs (train_log.csv, curves.csv) are cut back to the
// checkpoint: rows logged after it will be written again.
#pragma once
#include <cstdint>
#include <string>

namespace lpa {

// Keeps the header and the whole rows whose first cell is a step <= `step`; drops a half-written
// last line, rows of another width and rows whose step is not a number. A missing file is left
// alone. Throws UserError if the file cannot be read or rewritten.
void truncate_log_after_step(const std::string& file, int64_t step);

}  // namespace lpa
