// Batch norm in training mode over the union of every rank's batch (Ioffe & Szegedy 2015 with
// the statistics all-reduced, as torch.nn.SyncBatchNorm): the per-channel sums and sums of
// squares are summed across ranks in the forward pass, and the two per-channel gradient sums
// in the backward pass, so each rank's slice of the output and of the input gradient equals
// that of one process normalising the whole global batch. Every rank must call it in the same
// order with the same channel count and an equal share of the batch.
#pragma once

#include <ATen/core/Tensor.h>

#include "distributed/process_group.h"

namespace tinynas::distributed {

// `input` [N, C, H, W] (or [N, C]); `weight`, `bias` [C]; `running_mean` and `running_var` [C],
// updated in place with the global batch's mean and unbiased variance (momentum as
// torch::batch_norm). Differentiable in input, weight and bias.
at::Tensor synchronized_batch_norm(const at::Tensor& input, const at::Tensor& weight,
                                   const at::Tensor& bias, at::Tensor running_mean,
                                   at::Tensor running_var, double momentum, double eps,
                                   ProcessGroup& group);

}  // namespace tinynas::distributed
