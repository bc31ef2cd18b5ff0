#define CATCH_CONFIG_RUNNER
#include "catch.h"

#include <torch/torch.h>

int main(int argc, char** argv) {
  // Tests run in parallel under ctest -j: one thread each keeps 2 cores from thrashing.
  torch::set_num_threads(1);
  return Catch::Session().run(argc, argv);
}
