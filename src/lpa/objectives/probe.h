// Probes (tuned-lens style): the heads of a trained network trained afterwards on its frozen
// backbone, so that a network trained for its last exit only (E2E) is compared at shallow
// exits with heads that were actually trained there. The run starts from the model of
// train.probe_from (src/lpa/cli/probe_source.h); docs/method.md has the objective.
#pragma once
#include <vector>

#include "lpa/objectives/objective.h"

namespace lpa {

// Which exits' heads a probe run trains (index l-1): every exit whose head module is not the
// deepest exit's, which stays exactly as the source trained it. Per-depth heads: exits 1..N-1;
// ResNet per-stage heads: the exits outside the last stage. Throws UserError (naming model.head)
// when that leaves nothing to train: a shared head, or a model of one block.
std::vector<bool> probe_trained_exits(DepthwiseModel& model, const ExperimentConfig& cfg);

// L = Σ_{l trained} ℓ(g_l(h_l), y) with stem and blocks frozen (no gradients, eval mode).
std::unique_ptr<Objective> make_probe_objective(const ExperimentConfig& cfg, Task task, int64_t depth);

}  // namespace lpa
