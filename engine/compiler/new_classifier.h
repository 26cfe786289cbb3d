// A new classifier for a new task (transfer learning on the device): the fully connected op that
// produces the graph's output replaced by one with `classes` outputs, so a network pretrained on
// some classes can learn others. Its weights are seeded small int8 values (PyTorch's default
// Linear range, U(-1/sqrt(K), 1/sqrt(K)) for K inputs) at one per-channel scale for every new
// channel, the median of the old classifier's scales (the range a trained head of these features
// used; updates re-quantize with it, so it also bounds what training can reach); biases zero; the
// output keeps the old logits' quantization.
#pragma once

#include <cstdint>

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

// Throws std::invalid_argument when `classes` < 2 or the graph's output is not made by a fully
// connected op (naming the op that makes it).
void replace_classifier(Graph& graph, int classes, uint32_t seed);

}  // namespace tinynas::compiler
