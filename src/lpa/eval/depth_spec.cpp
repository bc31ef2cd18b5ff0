#include "lpa/eval/depth_spec.h"

#include <algorithm>
#include <sstream>

#include "lpa/errors.h"

namespace lpa {
namespace {

int64_t parse_number(const std::string& s, const std::string& spec) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw UserError("depth spec '" + spec + "': '" + s + "' is not a depth number");
  // More digits than any model has blocks (and than int64_t holds).
  if (s.size() > 18) throw UserError("depth spec '" + spec + "': " + s + " is out of range");
  return std::stoll(s);
}

[[noreturn]] void out_of_range(const std::string& spec, int64_t bad, int64_t depth) {
  throw UserError("depth spec '" + spec + "': depth " + std::to_string(bad) + " is out of range 1.." +
                  std::to_string(depth));
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
    // Checked before expanding: "1..9999999999" must not list ten billion depths first.
    if (a < 1 || b > depth) out_of_range(spec, a < 1 ? a : b, depth);
    for (int64_t l = a; l <= b; l += step) out.push_back(l);
  }
  if (out.empty()) throw UserError("depth spec '" + spec + "' names no depth");
  std::sort(out.begin(), out.end());
  // Name the extreme that is out of range: "1..17" on 16 blocks reports 17, not 17's neighbours.
  const int64_t bad = out.front() < 1 ? out.front() : out.back();
  if (bad < 1 || bad > depth) out_of_range(spec, bad, depth);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace lpa
