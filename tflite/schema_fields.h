// Where each field the reader and writer use sits in the TFLite schema (version 3): a table
// field's vtable offset is 4 + 2 * its field id, a union takes two ids (type, then value). The
// ids and the option union's type numbers are facts of the published schema.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>

namespace tinynas::tflite::schema {

constexpr flatbuffers::voffset_t field(int id) {
  return static_cast<flatbuffers::voffset_t>(4 + 2 * id);
}

namespace model {
constexpr auto kVersion = field(0);
constexpr auto kOperatorCodes = field(1);
constexpr auto kSubgraphs = field(2);
constexpr auto kDescription = field(3);
constexpr auto kBuffers = field(4);
}  // namespace model

namespace operator_code {
constexpr auto kDeprecatedBuiltinCode = field(0);  // int8
constexpr auto kCustomCode = field(1);
constexpr auto kVersion = field(2);      // default 1
constexpr auto kBuiltinCode = field(3);  // int32
}  // namespace operator_code

namespace subgraph {
constexpr auto kTensors = field(0);
constexpr auto kInputs = field(1);
constexpr auto kOutputs = field(2);
constexpr auto kOperators = field(3);
constexpr auto kName = field(4);
}  // namespace subgraph

namespace buffer {
constexpr auto kData = field(0);  // force_align 16
constexpr auto kOffset = field(1);
constexpr auto kSize = field(2);
constexpr size_t kDataAlignment = 16;
}  // namespace buffer

namespace tensor {
constexpr auto kShape = field(0);
constexpr auto kType = field(1);
constexpr auto kBuffer = field(2);
constexpr auto kName = field(3);
constexpr auto kQuantization = field(4);
constexpr auto kIsVariable = field(5);
constexpr auto kSparsity = field(6);
constexpr auto kShapeSignature = field(7);
}  // namespace tensor

namespace quantization {
constexpr auto kScale = field(2);
constexpr auto kZeroPoint = field(3);
constexpr auto kDetailsType = field(4);
constexpr auto kQuantizedDimension = field(6);
}  // namespace quantization

namespace op {
constexpr auto kOpcodeIndex = field(0);
constexpr auto kInputs = field(1);
constexpr auto kOutputs = field(2);
constexpr auto kBuiltinOptionsType = field(3);
constexpr auto kBuiltinOptions = field(4);
constexpr auto kCustomOptions = field(5);
}  // namespace op

// BuiltinOptions union type numbers.
enum class OptionsType : uint8_t {
  kNone = 0,
  kConv2D = 1,
  kDepthwiseConv2D = 2,
  kPool2D = 5,
  kFullyConnected = 8,
  kSoftmax = 9,
  kConcatenation = 10,
  kAdd = 11,
  kReshape = 17,
  kPad = 22,
  kReducer = 27,
  kSqueeze = 30,
  kDequantize = 38,
  kQuantize = 89,
};

namespace conv2d {
constexpr auto kPadding = field(0);
constexpr auto kStrideW = field(1);
constexpr auto kStrideH = field(2);
constexpr auto kActivation = field(3);
constexpr auto kDilationW = field(4);  // default 1
constexpr auto kDilationH = field(5);  // default 1
constexpr auto kQuantizedBiasType = field(6);
}  // namespace conv2d

namespace depthwise_conv2d {
constexpr auto kPadding = field(0);
constexpr auto kStrideW = field(1);
constexpr auto kStrideH = field(2);
constexpr auto kDepthMultiplier = field(3);
constexpr auto kActivation = field(4);
constexpr auto kDilationW = field(5);  // default 1
constexpr auto kDilationH = field(6);  // default 1
}  // namespace depthwise_conv2d

namespace pool2d {
constexpr auto kPadding = field(0);
constexpr auto kStrideW = field(1);
constexpr auto kStrideH = field(2);
constexpr auto kFilterWidth = field(3);
constexpr auto kFilterHeight = field(4);
constexpr auto kActivation = field(5);
}  // namespace pool2d

namespace fully_connected {
constexpr auto kActivation = field(0);
constexpr auto kWeightsFormat = field(1);
constexpr auto kKeepNumDims = field(2);
constexpr auto kAsymmetricQuantizeInputs = field(3);
constexpr auto kQuantizedBiasType = field(4);
}  // namespace fully_connected

namespace softmax {
constexpr auto kBeta = field(0);
}

namespace concatenation {
constexpr auto kAxis = field(0);
constexpr auto kActivation = field(1);
}  // namespace concatenation

namespace add {
constexpr auto kActivation = field(0);
constexpr auto kPotScaleInt16 = field(1);  // default true
}  // namespace add

namespace reshape {
constexpr auto kNewShape = field(0);
}

namespace reducer {
constexpr auto kKeepDims = field(0);
}

namespace squeeze {
constexpr auto kSqueezeDims = field(0);
}

}  // namespace tinynas::tflite::schema
