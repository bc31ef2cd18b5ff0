#include "lpa/cli/run_differences.h"

#include <map>

#include "lpa/config/key_values.h"

namespace lpa::cli {
namespace {

// More keys than this make a legend entry too long to read; the table shows them all.
constexpr size_t kLabelKeys = 3;

bool compared(const std::string& key) {
  return key.rfind("experiment.", 0) != 0 && key.rfind("output.", 0) != 0;
}

}  // namespace

RunDifferences run_differences(const std::vector<ExperimentConfig>& configs) {
  RunDifferences d;
  std::vector<std::vector<std::pair<std::string, std::string>>> all;
  for (const auto& c : configs) {
    all.push_back(config_key_values(c));
    d.names.push_back(c.experiment.name);
  }
  d.values.resize(configs.size());
  if (!configs.empty())
    for (size_t i = 0; i < all.front().size(); ++i) {
      const std::string& key = all.front()[i].first;
      if (!compared(key)) continue;
      bool differs = false;
      for (const auto& run : all) differs = differs || run[i].second != all.front()[i].second;
      if (!differs) continue;
      d.keys.push_back(key);
      for (size_t r = 0; r < all.size(); ++r) d.values[r].push_back(all[r][i].second);
    }
  bool names_differ = false;
  for (const auto& n : d.names) names_differ = names_differ || n != d.names.front();
  for (size_t r = 0; r < configs.size(); ++r) {
    std::string parts;
    for (size_t i = 0; i < d.keys.size() && i < kLabelKeys; ++i)
      parts += (i ? ", " : "") + d.keys[i] + "=" + d.values[r][i];
    if (d.keys.size() > kLabelKeys) parts += " +" + std::to_string(d.keys.size() - kLabelKeys) + " more";
    if (parts.empty()) d.labels.push_back(d.names[r]);
    else d.labels.push_back(names_differ ? d.names[r] + ": " + parts : parts);
  }
  std::map<std::string, int> seen;
  for (const auto& l : d.labels) ++seen[l];
  for (size_t r = 0; r < d.labels.size(); ++r)
    if (seen[d.labels[r]] > 1) d.labels[r] += " #" + std::to_string(r + 1);
  return d;
}

}  // namespace lpa::cli
