// Signal handlers only set a flag; the training loop polls it between steps, saves a
// checkpoint and leaves (Marian's pattern): nothing unsafe happens inside a handler.
#pragma once
#include <string>

namespace lpa {

void install_stop_signal_handlers();  // SIGINT, SIGTERM, SIGUSR1 (a second SIGINT kills at once)
int pending_stop_signal();            // 0 when none arrived
void clear_stop_signal();

// Under Slurm: `scontrol requeue` this job (array task aware). Returns true on success.
bool slurm_requeue();
// The id to requeue: $SLURM_JOB_ID, or ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} for an
// array task (so only this task goes back to the queue); "" outside Slurm.
std::string slurm_requeue_target();

}  // namespace lpa
