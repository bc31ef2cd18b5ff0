#pragma once
#include <string>
#include <vector>

namespace lpa {

// The closest candidate to `word` by edit distance, or "" when nothing is close enough to be a
// plausible typo. Used for "unknown key (did you mean ...?)" messages everywhere.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace lpa
