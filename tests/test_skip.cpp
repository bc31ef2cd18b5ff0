// lpa::test::skip (tests/test_support.cpp): a test that cannot run shows as skipped (exit 77, CTest's SKIP_RETURN_CODE),
// never as passed, and fails under LPA_REQUIRE_ALL=1 (CI). Checked by running a hidden probe
// test case of this same binary in a child process.
#include <unistd.h>

#include "catch.h"
#include "test_support.h"

using namespace lpa;

// Hidden ([.]): CTest never runs it directly; the case below does, through the binary.
TEST_CASE("test support: skip probe", "[.][skip-probe]") {
  CHECK(true);
  test::skip("the probe always skips");
}

// Guards skip()'s exit code and its LPA_REQUIRE_ALL switch (tests/test_support.cpp).
TEST_CASE("test support: a skip exits 77, and fails when LPA_REQUIRE_ALL=1") {
  const std::string self = "/proc/" + std::to_string(::getpid()) + "/exe";
  auto skipped = test::run_shell("env -u LPA_REQUIRE_ALL " + self + " '[skip-probe]'");
  CHECK(skipped.exit_code == test::kSkipExitCode);
  CHECK(skipped.output.find("SKIPPED: the probe always skips") != std::string::npos);
  auto required = test::run_shell("LPA_REQUIRE_ALL=1 " + self + " '[skip-probe]'");
  CHECK(required.exit_code == 1);
  CHECK(required.output.find("LPA_REQUIRE_ALL=1 forbids skipping") != std::string::npos);
}
