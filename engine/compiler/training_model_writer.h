// Writes a .tnm training model (format version 3, engine/runtime/training_format.h): the model's
// inference part with its activations at the training plan's offsets and the training arena,
// followed by the training section (train tensors with their planned offsets, train ops in
// order, per trained layer its name, chosen channels, weight scales s_W(c) and input scale s_x),
// checked by the runtime's validate_model and validate_training before it is returned.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/training_planner.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::compiler {

// Throws std::invalid_argument naming the layer or op when the runtime cannot run the scheme
// yet (a weight ratio below 1, a backward op without a kernel, a softmax output, no master
// copies), SchemeError when the scheme does not match the model.
std::vector<uint8_t> write_training_model(const ValidatedGraph& graph, const UpdateScheme& scheme,
                                          float learning_rate);

}  // namespace tinynas::compiler
