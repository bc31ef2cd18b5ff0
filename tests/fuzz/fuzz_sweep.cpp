// Sweep files (lpa sweep): parsed and expanded into tasks.
#include <string>

#include "fuzz_support.h"
#include "lpa/sweep/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lpa::fuzz::expect_result_or_user_error([&] { lpa::parse_sweep(text, "sweeps/fuzz.yaml"); });
  return 0;
}
