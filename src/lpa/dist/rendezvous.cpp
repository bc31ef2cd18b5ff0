#include "lpa/dist/rendezvous.h"

#include <cstdlib>

#include "lpa/errors.h"

namespace lpa::dist {
namespace {

int64_t parse_int(const EnvLookup& env, const char* name, int64_t fallback) {
  const char* v = env(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long long x = std::strtoll(v, &end, 10);
  if (*end != '\0' || x < 0) throw UserError(std::string("environment: ") + name + "='" + v + "' is not a count");
  return x;
}

std::string text(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v ? v : "";
}

void check(const Rendezvous& r) {
  if (r.world_size < 1) throw UserError("environment: a world size of " + std::to_string(r.world_size));
  if (r.rank >= r.world_size)
    throw UserError("environment: rank " + std::to_string(r.rank) + " is outside a world of " +
                    std::to_string(r.world_size) + " processes (" + r.source + ")");
  if (r.port <= 0 || r.port > 65535) throw UserError("environment: MASTER_PORT " + std::to_string(r.port));
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  // Hosts are separated by commas outside brackets; a bracket holds ranges "01-04" or lists.
  std::string first;
  int depth = 0;
  for (char c : nodelist) {
    if (c == ',' && depth == 0) break;
    if (c == '[') ++depth;
    if (c == ']') --depth;
    first += c;
  }
  const size_t open = first.find('[');
  if (open == std::string::npos) return first;
  const size_t close = first.find(']', open);
  std::string inside = first.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
  inside = inside.substr(0, inside.find_first_of(",-"));
  const std::string after = close == std::string::npos ? "" : first.substr(close + 1);
  return first.substr(0, open) + inside + after;
}

int slurm_default_port(const std::string& job_id) {
  unsigned long long id = 0;
  for (char c : job_id) {
    if (c < '0' || c > '9') break;
    id = id * 10 + static_cast<unsigned>(c - '0');
  }
  return 20000 + static_cast<int>(id % 20000);
}

Rendezvous rendezvous_from_env(const EnvLookup& lookup) {
  const EnvLookup env = lookup ? lookup : EnvLookup([](const char* n) { return std::getenv(n); });
  Rendezvous r;
  if (env("RANK") && env("WORLD_SIZE")) {  // torchrun (also inside a Slurm allocation)
    r.source = "torchrun";
    r.rank = parse_int(env, "RANK", 0);
    r.world_size = parse_int(env, "WORLD_SIZE", 1);
    r.local_rank = parse_int(env, "LOCAL_RANK", 0);
    r.local_world_size = parse_int(env, "LOCAL_WORLD_SIZE", r.world_size);
    if (env("MASTER_ADDR")) r.master_addr = text(env, "MASTER_ADDR");
    r.port = static_cast<int>(parse_int(env, "MASTER_PORT", 29500));
    const std::string agent = text(env, "TORCHELASTIC_USE_AGENT_STORE");
    r.agent_store = agent == "True" || agent == "true" || agent == "1";
    if (r.agent_store) r.store_prefix = "/worker/attempt_" + std::to_string(parse_int(env, "TORCHELASTIC_RESTART_COUNT", 0));
  } else if (env("SLURM_PROCID") && (env("SLURM_STEP_NUM_TASKS") || env("SLURM_NTASKS"))) {
    // Only srun's job steps count: SLURM_STEP_NUM_TASKS is the step's size. A batch script
    // run without srun sees SLURM_NTASKS of the allocation but is one process.
    r.source = "slurm";
    r.rank = parse_int(env, "SLURM_PROCID", 0);
    r.world_size = parse_int(env, "SLURM_STEP_NUM_TASKS", env("SLURM_STEP_ID") ? parse_int(env, "SLURM_NTASKS", 1) : 1);
    r.local_rank = parse_int(env, "SLURM_LOCALID", 0);
    const std::string per_node = text(env, "SLURM_STEP_TASKS_PER_NODE");
    r.local_world_size = per_node.empty() ? r.world_size : std::max<int64_t>(1, std::atoll(per_node.c_str()));
    if (env("MASTER_ADDR")) r.master_addr = text(env, "MASTER_ADDR");
    else if (env("SLURM_STEP_NODELIST")) r.master_addr = first_slurm_host(text(env, "SLURM_STEP_NODELIST"));
    else if (env("SLURM_JOB_NODELIST")) r.master_addr = first_slurm_host(text(env, "SLURM_JOB_NODELIST"));
    r.port = static_cast<int>(parse_int(env, "MASTER_PORT", slurm_default_port(text(env, "SLURM_JOB_ID"))));
    if (r.world_size == 1) r.source = "single process";
  }
  check(r);
  return r;
}

}  // namespace lpa::dist
