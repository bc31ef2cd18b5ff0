// CIFAR-10 and CIFAR-100 binary files.
#include <vector>

#include "fuzz_support.h"
#include "lpa/data/cifar_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  for (const auto* format : {&lpa::cifar10_format(), &lpa::cifar100_format()})
    lpa::fuzz::expect_result_or_user_error([&] { lpa::parse_cifar(bytes, *format, "fuzz.bin"); });
  return 0;
}
