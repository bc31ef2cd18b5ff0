// Data-parallel training over a Communicator: identical replicas (parameters broadcast from
// rank 0), gradients averaged in buckets while backward runs (gradient_reducer), metrics summed.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "lpa/dist/communicator.h"
#include "lpa/train/trainer.h"

namespace lpa::dist {

// Copies rank 0's parameters and buffers to every rank (in place).
void broadcast_module(Communicator& comm, torch::nn::Module& module);

// Replaces every gradient by its mean over the ranks, after backward: gradients packed into flat
// buckets of at most `bucket_bytes` (one dtype per bucket), one all-reduce per bucket. All ranks
// must pass the same parameters in the same order. The reference the overlapped
// GradientReducer is tested against.
void average_gradients(Communicator& comm, const std::vector<torch::Tensor>& params, int64_t bucket_bytes);

// Element-wise sum / max of a vector of doubles over the ranks (metric states, flags).
void sum_doubles(Communicator& comm, std::vector<double>& values);
void max_doubles(Communicator& comm, std::vector<double>& values);

// The Trainer's hooks for this communicator (rank, world size, gradient and metric reduction).
Parallelism make_parallelism(Communicator& comm, double bucket_mb);

}  // namespace lpa::dist
