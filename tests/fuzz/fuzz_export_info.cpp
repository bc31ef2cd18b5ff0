// The export sidecar (<file>.yaml, also embedded in exported files).
#include <string>

#include "fuzz_support.h"
#include "lpa/export/export_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lpa::fuzz::expect_result_or_user_error([&] { lpa::parse_export_info(text, "fuzz.pt.yaml"); });
  return 0;
}
