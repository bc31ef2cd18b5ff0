#include "lpa/train/signals.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace lpa {

static std::atomic<int> g_signal{0};

static void on_signal(int sig) {
  // A second Ctrl-C while the first is being handled: the user wants out now.
  if (sig == SIGINT && g_signal.load() == SIGINT) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
  g_signal.store(sig);
}

void install_stop_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);
}

int pending_stop_signal() { return g_signal.load(); }
void clear_stop_signal() { g_signal.store(0); }

std::string slurm_requeue_target() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (!job || !*job) return "";
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
  if (array_job && *array_job && array_task && *array_task) return std::string(array_job) + "_" + array_task;
  return job;
}

bool slurm_requeue() {
  const std::string id = slurm_requeue_target();
  if (id.empty()) return false;
  const std::string cmd = "scontrol requeue " + id;
  spdlog::info("requeueing Slurm job: {}", cmd);
  return std::system(cmd.c_str()) == 0;
}

}  // namespace lpa
