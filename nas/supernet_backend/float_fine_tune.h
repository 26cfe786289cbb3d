// The float baseline of on-device training: the same model fine-tuned on the host in float
// (LibTorch, supernet/float_graph.h: dequantized weights, activations clamped to their int8
// ranges), by plain SGD on the layers a scheme names (the full update by default), on the same
// images for the same epochs as `tinynas finetune`, one image per step. No LibTorch here.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "datasets/model_inputs.h"
#include "engine/compiler/graph.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::nas {

struct FloatFineTuneOptions {
  int epochs = 1;
  float learning_rate = 0.01f;
  int batch_size = 1;  // images per SGD step (1: as the board trains)
  uint64_t seed = 1;   // the order of the images in each epoch
};

struct FloatFineTuneResult {
  double accuracy_before = 0.0;  // float model, test inputs
  double accuracy_after = 0.0;
  std::vector<double> epoch_losses;  // mean loss of each epoch's steps
};

// Throws std::invalid_argument when a label is outside the model's classes, when there are no
// training or test inputs, and (SchemeError) when the scheme does not match the graph.
// `on_step(done, total)` reports progress.
FloatFineTuneResult float_fine_tune(const compiler::Graph& graph,
                                    const compiler::UpdateScheme& scheme,
                                    const datasets::ModelInputs& train,
                                    const datasets::ModelInputs& test,
                                    const FloatFineTuneOptions& options,
                                    const std::function<void(int, int)>& on_step = nullptr);

}  // namespace tinynas::nas
