// safetensors files (lpa export --format safetensors, lpa eval --model): the reader takes a path.
#include "fuzz_support.h"
#include "lpa/export/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpa::fuzz::write_scratch_file("model.safetensors", data, size);
  lpa::fuzz::expect_result_or_user_error([&] {
    lpa::looks_like_safetensors(path);
    lpa::read_safetensors(path);
  });
  return 0;
}
