// TFLite builtin operator codes (the schema's BuiltinOperator enum). The codes the importer
// handles are named; every other code is kept as its number and still has a printable name.
#pragma once

#include <cstdint>
#include <string>

namespace tinynas::tflite {

enum class BuiltinOperator : int32_t {
  kAdd = 0,
  kAveragePool2D = 1,
  kConcatenation = 2,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kDequantize = 6,
  kFullyConnected = 9,
  kMaxPool2D = 17,
  kReshape = 22,
  kSoftmax = 25,
  kCustom = 32,
  kPad = 34,
  kMean = 40,
  kSqueeze = 43,
  kQuantize = 114,
  // Codes from here on do not fit the int8 `deprecated_builtin_code` field, which then holds
  // this value while the int32 `builtin_code` field holds the real code.
  kPlaceholderForGreaterOpCodes = 127,
};

// "CONV_2D", "HARD_SWISH", ...; "BUILTIN_OPERATOR(300)" for codes the schema does not name.
std::string builtin_operator_name(BuiltinOperator code);

}  // namespace tinynas::tflite
