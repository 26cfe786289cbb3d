// A validated TFLite model (tflite::read_model) to the compiler's graph IR: the same graph our
// own readers build, checked by validate_graph, so the planner, the model writer and every
// command take an imported .tflite like any other network.
//
// Supported: int8 CNNs of CONV_2D, DEPTHWISE_CONV_2D (any depth multiplier), FULLY_CONNECTED,
// ADD, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN over H and W, RESHAPE, SQUEEZE, SOFTMAX, PAD,
// CONCATENATION on channels, int8 -> int8 QUANTIZE, and a float input's QUANTIZE / a float
// output's DEQUANTIZE at the model's edges (the graph then takes and gives real values). int8
// activations quantized per tensor; int8 weights per tensor or per output channel, zero point 0;
// int32 bias; fused RELU, RELU6 or none; batch 1 (a shape_signature of -1 is accepted in the
// batch dimension only, which converters write for every model).
#pragma once

#include <stdexcept>
#include <string>

#include "engine/compiler/graph.h"
#include "tflite/model.h"

namespace tinynas::tflite_convert {

// What the importer refuses: the message names the subgraph, operator and tensor index and the
// field. Every unsupported operator (code, type or fused activation) is listed in one message.
class ImportError : public std::runtime_error {
 public:
  explicit ImportError(const std::string& what) : std::runtime_error(what) {}
};

// `model` must have passed tflite::validate_model (read_model does that). Only subgraph 0 is
// imported. The graph is validated for planning and writing (GraphUse::kPlanningAndModelFile).
compiler::Graph import_tflite(const tflite::Model& model);

// Reads, validates and imports the file; errors (tflite::TfliteError from the reader,
// ImportError from the importer) are prefixed with the path.
compiler::Graph import_tflite_file(const std::string& path);

}  // namespace tinynas::tflite_convert
