#define CATCH_CONFIG_RUNNER
#include "catch.h"

#include <torch/torch.h>

int main(int argc, char** argv) {
  // Tests run in parallel under ctest -j: one thread each keeps 2 cores from thrashing.
  torch::set_num_threads(1);
  Catch::Session session;
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  // Always on, whatever the command line says (Catch2 v2 takes one --warn only): a test case
  // that asserts nothing fails (NoAssertions), and so does a test name that matches no test
  // (NoTests: CTest mangles names with ';').
  auto& warnings = session.configData().warnings;
  warnings = static_cast<Catch::WarnAbout::What>(warnings | Catch::WarnAbout::NoAssertions |
                                                 Catch::WarnAbout::NoTests);
  return session.run();
}
