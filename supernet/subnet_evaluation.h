// BN recalibration and accuracy of a subnet (OFA: a subnet's batch-norm statistics are
// recomputed on a few training batches before it is evaluated). LibTorch header.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "supernet/image_dataset.h"
#include "supernet/ofa_supernet.h"

namespace tinynas::supernet {

struct AccuracyResult {
  double accuracy = 0.0;  // fraction correct, [0, 1]
  double loss = 0.0;      // mean cross entropy
  int64_t images = 0;
  std::vector<int> predictions;  // the top-1 class of each image, in dataset order
};

// Recomputes the BN statistics of the active subnet from `batches` training batches (seeded
// random images, no augmentation). Leaves the net in eval mode.
void recalibrate_batch_norm(OFASupernetImpl& net, const ImageDataset& train, int batches,
                            int batch_size, uint64_t seed);

using ForwardFunction = std::function<torch::Tensor(const torch::Tensor&)>;
// Accuracy of `forward` (already in eval mode) over the whole dataset, in order.
AccuracyResult evaluate_accuracy(const ForwardFunction& forward, const ImageDataset& dataset,
                                 int batch_size);

// Recalibrate + evaluate the subnet; the supernet's BN buffers are restored afterwards so
// evaluation does not disturb training.
AccuracyResult evaluate_subnet(OFASupernetImpl& net, const space::SubnetConfig& subnet,
                               const ImageDataset& train, const ImageDataset& evaluation,
                               int calibration_batches, int batch_size, uint64_t seed);

// Snapshot / restore of every buffer (BN running statistics).
std::vector<torch::Tensor> copy_buffers(torch::nn::Module& module);
void restore_buffers(torch::nn::Module& module, const std::vector<torch::Tensor>& saved);

}  // namespace tinynas::supernet
