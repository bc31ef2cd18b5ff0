// Cutting a run's logs back to its checkpoint on resume (train/resume_logs.cpp).
#include "catch.h"
#include "lpa/io/files.h"
#include "lpa/train/resume_logs.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("resume logs: rows after the step, half rows and foreign rows are dropped") {
  test::TempDir dir("resume_logs");
  const std::string log = dir.file("train_log.csv");
  test::write_text(log, "step,loss\n10,0.5\n0000000000000000000000100,0.4\n101,0.3\nx,1\n1,2,3\n99,0.");
  truncate_log_after_step(log, 100);
  CHECK(test::csv_rows(log) == std::vector<std::vector<std::string>>{
                                   {"step", "loss"}, {"10", "0.5"}, {"0000000000000000000000100", "0.4"}});
  truncate_log_after_step(dir.file("missing.csv"), 100);  // nothing to cut
  CHECK_FALSE(file_exists(dir.file("missing.csv")));
}

// Guards the digit-count check in truncate_log_after_step (found by fuzz_train_log: a step with
// 64 digits made std::stoll throw out_of_range, so resuming ended in "internal error").
TEST_CASE("resume logs: a step too long for int64 is past the checkpoint, not an internal error") {
  test::TempDir dir("resume_logs_overflow");
  const std::string log = dir.file("train_log.csv");
  test::write_text(log, test::fuzz_input("train_log", "crash-step-overflow"));
  REQUIRE_NOTHROW(truncate_log_after_step(log, 100));
  CHECK(test::csv_rows(log).size() == 1);  // the header alone
}
