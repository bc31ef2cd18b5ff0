#include <map>

#include "catch.h"
#include "lpa/dist/rendezvous.h"
#include "lpa/errors.h"

using namespace lpa;
using namespace lpa::dist;

namespace {

EnvLookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("rendezvous: Slurm node lists name the first host") {
  CHECK(first_slurm_host("vm") == "vm");
  CHECK(first_slurm_host("gpu[03-05,09],cpu1") == "gpu03");
  CHECK(first_slurm_host("gpu[7,2]") == "gpu7");
  CHECK(first_slurm_host("a1,b[1-2]") == "a1");
  CHECK(first_slurm_host("rack[1-2]-node[3-4]") == "rack1-node[3-4]");  // only the first bracket expands
  CHECK(slurm_default_port("123") == 20123);
  CHECK(slurm_default_port("40001") == 20001);
  CHECK(slurm_default_port("") == 20000);
}

TEST_CASE("rendezvous: no launcher is one process") {
  auto r = rendezvous_from_env(env_of({}));
  CHECK(r.world_size == 1);
  CHECK(r.rank == 0);
  CHECK_FALSE(r.distributed());
  // A batch script without srun sees the allocation's SLURM_NTASKS but is one process.
  r = rendezvous_from_env(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_JOB_ID", "7"}}));
  CHECK(r.world_size == 1);
  CHECK_FALSE(r.distributed());
}

TEST_CASE("rendezvous: srun tasks and torchrun workers") {
  auto r = rendezvous_from_env(env_of({{"SLURM_PROCID", "3"},
                                       {"SLURM_NTASKS", "8"},
                                       {"SLURM_STEP_NUM_TASKS", "4"},
                                       {"SLURM_STEP_ID", "0"},
                                       {"SLURM_LOCALID", "1"},
                                       {"SLURM_STEP_TASKS_PER_NODE", "2(x2)"},
                                       {"SLURM_JOB_NODELIST", "n[01-02]"},
                                       {"SLURM_JOB_ID", "4242"}}));
  CHECK(r.source == "slurm");
  CHECK(r.rank == 3);
  CHECK(r.world_size == 4);  // the step's size, not the allocation's
  CHECK(r.local_rank == 1);
  CHECK(r.local_world_size == 2);
  CHECK(r.master_addr == "n01");
  CHECK(r.port == 24242);
  CHECK_FALSE(r.agent_store);

  // torchrun wins inside a Slurm allocation, and its agent serves the store.
  r = rendezvous_from_env(env_of({{"RANK", "1"},
                                  {"WORLD_SIZE", "2"},
                                  {"LOCAL_RANK", "1"},
                                  {"LOCAL_WORLD_SIZE", "2"},
                                  {"MASTER_ADDR", "10.1.2.3"},
                                  {"MASTER_PORT", "29511"},
                                  {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                  {"TORCHELASTIC_RESTART_COUNT", "2"},
                                  {"SLURM_PROCID", "0"},
                                  {"SLURM_NTASKS", "1"}}));
  CHECK(r.source == "torchrun");
  CHECK(r.rank == 1);
  CHECK(r.world_size == 2);
  CHECK(r.master_addr == "10.1.2.3");
  CHECK(r.port == 29511);
  CHECK(r.agent_store);
  CHECK(r.store_prefix == "/worker/attempt_2");
}

TEST_CASE("rendezvous: inconsistent environments are user errors") {
  CHECK_THROWS_WITH(rendezvous_from_env(env_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}})),
                    Catch::Contains("rank 2 is outside a world of 2"));
  CHECK_THROWS_WITH(rendezvous_from_env(env_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}})),
                    Catch::Contains("RANK='x'"));
  CHECK_THROWS_AS(rendezvous_from_env(env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}})),
                  UserError);
}
