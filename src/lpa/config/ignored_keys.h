// Keys that the chosen model family, objective, optimiser, schedule or data type never reads.
// A user who sets one expects it to change the run; refusing it (exit 2, with why and what to
// use instead) is the only honest answer. The rules live in one table in ignored_keys.cpp.
#pragma once
#include <string>
#include <vector>

#include "lpa/config/config.h"

namespace lpa {

struct IgnoredKey {
  std::string key;     // "section.key"
  std::string reason;  // "model.type: transformer (its MLP blocks use GELU)"
};

// Every key some configuration ignores (one entry per rule), for tests and docs.
std::vector<std::string> keys_that_can_be_ignored();

// The keys whose value differs from the default although this config never reads them.
std::vector<IgnoredKey> ignored_keys(const ExperimentConfig& cfg);

// Every key this config never reads, whatever its value (`lpa init` lists the others).
std::vector<IgnoredKey> unread_keys(const ExperimentConfig& cfg);

// Throws UserError `file:line: key: ignored by <reason>` for the first ignored key the user set
// (in the file or with --set) at the same level as, or later than, the keys that make it
// ignored. A file's key stays accepted when a --set switches what reads it (`--set
// loss.kind=e2e` on an LPA config with `loss.weights: linear` makes the E2E baseline).
void refuse_ignored_keys(const ExperimentConfig& cfg);

// The config with every ignored key back at its default: what a run directory records, so a
// dumped config reloads and two configs that compute the same thing compare equal.
ExperimentConfig without_ignored_keys(ExperimentConfig cfg);

}  // namespace lpa
