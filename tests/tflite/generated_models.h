// The generated .tflite models the importer is checked with: together they cover every operator
// and option the importer maps (kernel sizes with h != w, strides h != w, SAME and VALID, depth
// multipliers, per-tensor and per-channel weights, fused RELU / RELU6 / none, MEAN's three
// computations, float edges), each with seeded random quantized weights.
#pragma once

#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite::testing {

struct GeneratedModel {
  std::string name;
  Model model;
};

// Every case, small enough for the Arm NN reference backend and a QEMU board.
std::vector<GeneratedModel> generated_models();

}  // namespace tinynas::tflite::testing
