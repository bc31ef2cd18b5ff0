// YAML config + --set overrides. Input: the YAML text, then optionally a NUL byte followed by
// one --set assignment per line.
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "lpa/config/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string yaml = input.substr(0, nul);
  std::vector<std::string> overrides;
  if (nul != std::string::npos) {
    std::istringstream lines(input.substr(nul + 1));
    for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  }
  lpa::fuzz::expect_result_or_user_error([&] { lpa::parse_config(yaml, "fuzz.yaml", overrides); });
  return 0;
}
