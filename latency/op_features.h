// What the latency model knows about an op: its class (the kernel that runs it) and a feature
// vector (MACs, input/output/weight bytes, output pixels, kernel size, stride, a constant), all
// read from a validated .tnm model, so the features of a model and of the file a board ran
// are the same thing.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "engine/runtime/model_reader.h"

namespace tinynas::latency {

enum Feature : int {
  kMacs = 0,
  kInputBytes,
  kOutputBytes,
  kWeightBytes,
  kOutputPixels,
  kKernelSize,
  kStride,
  kConstant,
  kFeatureCount,
};
const char* feature_name(int feature);

using FeatureVector = std::array<double, kFeatureCount>;

struct OpFeatures {
  // The kernel that runs the op and its fixed geometry, e.g. "conv2d_1x1",
  // "depthwise_conv2d_k5_s2_in_place": ops of one class share one cost law.
  std::string op_class;
  // The coarser fallback class (the op kind, with pointwise convolution apart), e.g.
  // "depthwise_conv2d": used when a class was never seen during calibration.
  std::string op_kind;
  FeatureVector values{};
};

// One entry per op, in execution order. `model` must be valid (validate_model passed).
std::vector<OpFeatures> extract_op_features(const runtime::ModelView& model);

}  // namespace tinynas::latency
