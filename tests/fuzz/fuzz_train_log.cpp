// A run's step-indexed logs (train_log.csv, curves.csv) as a resumed run reads and cuts them back
// to its checkpoint's step.
#include "fuzz_support.h"
#include "lpa/train/resume_logs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpa::fuzz::write_scratch_file("train_log.csv", data, size);
  lpa::fuzz::expect_result_or_user_error([&] { lpa::truncate_log_after_step(path, 100); });
  return 0;
}
