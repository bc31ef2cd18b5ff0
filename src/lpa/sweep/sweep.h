// A sweep file: one base config plus the variations to run, expanded into numbered tasks so a
// Slurm array job runs task $SLURM_ARRAY_TASK_ID and a laptop runs them all in turn.
//
//   base: ../surface.yaml            # relative to the sweep file
//   name: surface_lpa_vs_e2e         # default: the file's stem
//   root: runs/sweeps                # task i runs in <root>/<name>/task_<iii>
//   set: [train.steps=2000]          # applied to every task
//   grid:                            # every combination of these values
//     loss.kind: [e2e, lpa]
//   list:                            # alternatives, each a list of --set overrides
//     - [loss.mode=joint]
//     - [loss.mode=local, loss.weights=linear]
//   seeds: [0, 1, 2]                 # train.seed, innermost
//
// Tasks are grid points x list entries x seeds (a missing part counts once), in that order.
#pragma once
#include <string>
#include <vector>

namespace lpa {

struct SweepTask {
  int64_t index = 0;
  std::vector<std::string> overrides;  // --set assignments, in the order they apply
  std::string run_dir;
};

struct Sweep {
  std::string file, base_config, name, root;
  std::vector<SweepTask> tasks;
};

// Parses and expands a sweep file. Throws UserError naming the file, line and key.
Sweep load_sweep(const std::string& path);
Sweep parse_sweep(const std::string& yaml_text, const std::string& source);

// <root>/<name>/task_<iii>: where task `index` of a sweep trains.
std::string task_dir(const std::string& root, const std::string& name, int64_t index);
// The same tasks under another root (lpa sweep --root: a quick variant next to the full runs).
void move_sweep_root(Sweep& sweep, const std::string& root);

}  // namespace lpa
