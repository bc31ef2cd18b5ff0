#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

// "all", "1..N", "2..16:2", "1,2,4,8", or a comma list mixing them, for a model of `depth`
// blocks. Sorted, unique. Throws UserError naming the spec for syntax errors or depths outside
// 1..depth.
std::vector<int64_t> parse_depth_spec(const std::string& spec, int64_t depth);

}  // namespace lpa
