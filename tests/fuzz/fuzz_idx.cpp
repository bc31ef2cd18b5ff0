// IDX files (MNIST / Fashion-MNIST), read as images (3 dimensions) and as labels (1).
#include <vector>

#include "fuzz_support.h"
#include "lpa/data/idx_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  for (int64_t dims : {3, 1})
    lpa::fuzz::expect_result_or_user_error([&] { lpa::parse_idx(bytes, dims, "fuzz.idx"); });
  return 0;
}
