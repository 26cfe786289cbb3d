// Running labelled int8 inputs through the float model of a graph (float_graph.h): a training
// batch gathered by index, the labels checked against the classifier, and the top-1 accuracy
// over a set of inputs. No LibTorch here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/model_inputs.h"
#include "supernet/float_graph.h"

namespace tinynas::supernet {

struct InputBatch {
  std::vector<int8_t> bytes;
  std::vector<int> labels;
};

// The inputs at `indices` (each of `elements` bytes) of `inputs`, in that order.
InputBatch gather_inputs(const datasets::ModelInputs& inputs, const std::vector<size_t>& indices,
                         size_t elements);

// Throws std::invalid_argument when `inputs` is empty or has a label outside [0, classes); `what`
// ("training", "test") names them.
void check_input_labels(const datasets::ModelInputs& inputs, int classes, const char* what);

// Top-1 accuracy of the model's logits on `inputs` (0 for no inputs).
double float_graph_accuracy(const FloatGraphModel& model, const datasets::ModelInputs& inputs);

}  // namespace tinynas::supernet
