#pragma once
#include "lpa/objectives/objective.h"

namespace lpa {

// Stage-wise LPA: the run's steps are split into N equal stages; stage l trains block l with
// ℓ(g_l(h_l), y) (stage 1 also trains the stem), earlier blocks frozen (no gradients, eval
// mode so BatchNorm statistics stay put). A shared head keeps learning in every stage.
std::unique_ptr<Objective> make_sequential_objective(const ExperimentConfig& cfg, Task task,
                                                     int64_t depth);

// Freezes a module (no gradients, eval mode: BatchNorm statistics stay put) or thaws it.
void set_trainable(torch::nn::Module& m, bool on);

// The 1-based block trained at `step` of `total_steps`.
int64_t sequential_stage(int64_t step, int64_t total_steps, int64_t depth);

}  // namespace lpa
