#include "lpa/cli/resume_check.h"

#include <map>

#include "lpa/config/key_roles.h"
#include "lpa/config/key_values.h"

namespace lpa::cli {
namespace {

std::string differs(const std::string& key, const std::string& there, const std::string& here,
                    const std::string& why) {
  return key + " is " + there + " there, " + here + " here (" + why + ")";
}

// The run's length is train.steps, or train.epochs when steps is 0. Sets the check's extension
// or refusal.
void check_length(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after,
                  ResumeCheck& check) {
  const bool by_steps = std::stoll(before.at("train.steps")) > 0;
  if (by_steps != (std::stoll(after.at("train.steps")) > 0)) {
    check.refused = differs("train.steps", before.at("train.steps"), after.at("train.steps"),
                            by_steps ? "its length was given as train.steps: extend it with a larger train.steps"
                                     : "its length was given as train.epochs: extend it with a larger train.epochs");
    return;
  }
  const std::string key = by_steps ? "train.steps" : "train.epochs";
  const long long was = std::stoll(before.at(key)), now = std::stoll(after.at(key));
  if (now < was) check.refused = differs(key, before.at(key), after.at(key), "a run can be extended, not shortened");
  if (now > was) check.extension = key + " " + before.at(key) + " -> " + after.at(key);
}

}  // namespace

ResumeCheck check_resume(const ExperimentConfig& run_cfg, const ExperimentConfig& cfg) {
  std::map<std::string, std::string> before, after;
  for (const auto& [k, v] : config_key_values(run_cfg)) before[k] = v;
  std::vector<std::string> order;
  for (const auto& [k, v] : config_key_values(cfg)) after[k] = v, order.push_back(k);
  ResumeCheck check;
  for (const auto& k : order) {
    const KeyRole role = key_role(k);
    if (before[k] == after[k] || role == KeyRole::launch || role == KeyRole::length) continue;
    if (role == KeyRole::placement) {
      check.moved.push_back(k + " " + before[k] + " -> " + after[k]);
      continue;
    }
    check.refused = differs(k, before[k], after[k],
                            "a run continues only with what it computes unchanged; it may be extended with a "
                            "larger train.steps or train.epochs, or moved with train.threads or train.device");
    return check;
  }
  check_length(before, after, check);
  return check;
}

}  // namespace lpa::cli
