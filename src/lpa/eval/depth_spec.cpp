#include "lpa/eval/depth_spec.h"

#include <algorithm>
#include <sstream>

#include "lpa/errors.h"

namespace lpa {
namespace {

int64_t parse_number(const std::string& s, const std::string& spec) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw UserError("depth spec '" + spec + "': '" + s + "' is not a depth number");
  return std::stoll(s);
}

}  // namespace

std::vector<int64_t> parse_depth_spec(const std::string& spec, int64_t depth) {
  std::vector<int64_t> out;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    part.erase(std::remove(part.begin(), part.end(), ' '), part.end());
    if (part == "all") {
      for (int64_t l = 1; l <= depth; ++l) out.push_back(l);
      continue;
    }
    auto dots = part.find("..");
    if (dots == std::string::npos) {
      out.push_back(parse_number(part, spec));
      continue;
    }
    std::string rest = part.substr(dots + 2);
    int64_t step = 1;
    auto colon = rest.find(':');
    if (colon != std::string::npos) {
      step = parse_number(rest.substr(colon + 1), spec);
      rest = rest.substr(0, colon);
      if (step < 1) throw UserError("depth spec '" + spec + "': step must be >= 1");
    }
    int64_t a = parse_number(part.substr(0, dots), spec);
    int64_t b = rest == "N" ? depth : parse_number(rest, spec);
    if (b < a) throw UserError("depth spec '" + spec + "': range " + part + " is empty");
    for (int64_t l = a; l <= b; l += step) out.push_back(l);
  }
  if (out.empty()) throw UserError("depth spec '" + spec + "' names no depth");
  std::sort(out.begin(), out.end());
  // Name the extreme that is out of range: "1..17" on 16 blocks reports 17, not 17's neighbours.
  const int64_t bad = out.front() < 1 ? out.front() : out.back();
  if (bad < 1 || bad > depth)
    throw UserError("depth spec '" + spec + "': depth " + std::to_string(bad) +
                    " is out of range 1.." + std::to_string(depth));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace lpa
