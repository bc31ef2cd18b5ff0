// The early-exit flags of predict, export and bench (ExitRuleOptions) turned into one rule:
// checked, and calibrated on a run's validation split where they ask for a target.
#pragma once
#include <optional>
#include <string>

#include "lpa/cli/commands.h"
#include "lpa/data/dataset.h"
#include "lpa/eval/early_exit.h"
#include "lpa/models/depthwise_model.h"

namespace lpa::cli {

// UserError (naming `command`) unless the flags are empty or a criterion with exactly one of
// --threshold, --target-accuracy, --budget, each in range.
void check_exit_rule_options(const ExitRuleOptions& o, const std::string& command);

// nullopt without a criterion. Otherwise the rule for the model truncated at max_depth with
// its outcome on the validation split (a given --threshold is measured there too).
std::optional<ExitCalibration> resolve_exit_rule(const ExitRuleOptions& o, DepthwiseModel& model,
                                                 const Dataset& data, int64_t max_depth,
                                                 const lpa::EvalOptions& eval, const std::string& command);

// "confidence >= 0.9" / "entropy <= 0.3 nats".
std::string describe_rule(const ExitRule& rule);

}  // namespace lpa::cli
