// Depth specs ("all", "1..N", "2..16:2", "1,2,4,8"). Input: one byte for the model's depth
// (1..256), then the spec text.
#include <string>

#include "fuzz_support.h"
#include "lpa/eval/depth_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t depth = static_cast<int64_t>(data[0]) + 1;
  const std::string spec(reinterpret_cast<const char*>(data + 1), size - 1);
  lpa::fuzz::expect_result_or_user_error([&] { lpa::parse_depth_spec(spec, depth); });
  return 0;
}
