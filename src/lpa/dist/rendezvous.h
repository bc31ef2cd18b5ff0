// Who this process is in a data-parallel job, read from the launcher's environment:
// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) first,
// then Slurm's srun (SLURM_PROCID, SLURM_STEP_NUM_TASKS / SLURM_NTASKS, SLURM_LOCALID,
// SLURM_JOB_NODELIST). No launcher: a single process.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace lpa::dist {

struct Rendezvous {
  int64_t rank = 0, world_size = 1;
  int64_t local_rank = 0, local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int port = 29500;
  std::string source = "single process";  // "torchrun", "slurm" or "single process"
  // torchrun's agent already serves the TCPStore at MASTER_ADDR:MASTER_PORT: every rank joins
  // it as a client, under the key prefix of this restart attempt.
  bool agent_store = false;
  std::string store_prefix;
  bool distributed() const { return world_size > 1; }
};

using EnvLookup = std::function<const char*(const char*)>;

// From the process environment (or `env` in tests). Throws UserError on inconsistent values.
Rendezvous rendezvous_from_env(const EnvLookup& lookup = nullptr);

// The first host of a Slurm node list: "gpu[03-05,09],cpu1" -> "gpu03".
std::string first_slurm_host(const std::string& nodelist);

// The TCPStore port of a Slurm job when MASTER_PORT is not set: derived from the job id so
// jobs sharing a node do not collide (range 20000..39999).
int slurm_default_port(const std::string& job_id);

}  // namespace lpa::dist
