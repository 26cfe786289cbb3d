// The builtin options of the operators the importer handles, decoded from their option tables.
// Member defaults are the schema's defaults: a field absent from the file reads as the default,
// and the writer leaves out fields that equal it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tflite/builtin_operator.h"
#include "tflite/tensor_type.h"
#include "tflite/tflite_error.h"

namespace tinynas::tflite {

enum class Padding : int8_t { kSame = 0, kValid = 1 };

enum class Activation : int8_t {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5,
};

enum class WeightsFormat : int8_t { kDefault = 0, kShuffled4x16Int8 = 1 };

// CONV_2D.
struct Conv2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 0;
  int32_t stride_h = 0;
  Activation activation = Activation::kNone;
  int32_t dilation_w_factor = 1;
  int32_t dilation_h_factor = 1;
  // FLOAT32 (the default) means "not set": the bias tensor's own type is the accumulator's.
  TensorType quantized_bias_type = TensorType::kFloat32;
};

// DEPTHWISE_CONV_2D. depth_multiplier is informative only (the runtimes derive it from shapes).
struct DepthwiseConv2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 0;
  int32_t stride_h = 0;
  int32_t depth_multiplier = 0;
  Activation activation = Activation::kNone;
  int32_t dilation_w_factor = 1;
  int32_t dilation_h_factor = 1;
};

// AVERAGE_POOL_2D and MAX_POOL_2D.
struct Pool2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 0;
  int32_t stride_h = 0;
  int32_t filter_width = 0;
  int32_t filter_height = 0;
  Activation activation = Activation::kNone;
};

// FULLY_CONNECTED.
struct FullyConnectedOptions {
  Activation activation = Activation::kNone;
  WeightsFormat weights_format = WeightsFormat::kDefault;
  bool keep_num_dims = false;
  bool asymmetric_quantize_inputs = false;
  TensorType quantized_bias_type = TensorType::kFloat32;  // as in Conv2DOptions
};

// SOFTMAX.
struct SoftmaxOptions {
  float beta = 0.0f;
};

// CONCATENATION.
struct ConcatenationOptions {
  int32_t axis = 0;
  Activation activation = Activation::kNone;
};

// ADD.
struct AddOptions {
  Activation activation = Activation::kNone;
  bool pot_scale_int16 = true;
};

// RESHAPE. The target shape, when the op does not take it as its second input.
struct ReshapeOptions {
  std::vector<int32_t> new_shape;
};

// MEAN (the reducer ops' options).
struct ReducerOptions {
  bool keep_dims = false;
};

// SQUEEZE. Empty: every dimension of size 1.
struct SqueezeOptions {
  std::vector<int32_t> squeeze_dims;
};

// PAD, QUANTIZE and DEQUANTIZE have empty option tables; files may carry them or not.
struct PadOptions {};
struct QuantizeOptions {};
struct DequantizeOptions {};

// The operator has no option table.
struct NoOptions {};

// An option table of an operator the reader does not decode (its union type number only).
// The writer refuses these: the table's contents were not kept.
struct UndecodedOptions {
  uint8_t type = 0;
};

using BuiltinOptions =
    std::variant<NoOptions, Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions,
                 FullyConnectedOptions, SoftmaxOptions, ConcatenationOptions, AddOptions,
                 ReshapeOptions, ReducerOptions, SqueezeOptions, PadOptions, QuantizeOptions,
                 DequantizeOptions, UndecodedOptions>;

// The options an operator of this code carries, default-constructed; NoOptions for the codes
// whose options the reader does not decode.
BuiltinOptions default_options_for(BuiltinOperator code);

// Whether the reader decodes this code's options (and the importer may rely on them).
bool options_are_decoded(BuiltinOperator code);

// Whether an operator of this code must carry its option table: ops whose options have no
// usable defaults (strides and filter sizes default to 0).
bool options_required(BuiltinOperator code);

// The operator's options of type T, or T's defaults when it has none. Throws TfliteError when
// it carries another kind.
template <typename T>
T options_or_default(const BuiltinOptions& options);

// Names for messages: "Conv2DOptions", "no options", "undecoded options (type 21)".
std::string options_name(const BuiltinOptions& options);

bool operator==(const Conv2DOptions& a, const Conv2DOptions& b);
bool operator==(const DepthwiseConv2DOptions& a, const DepthwiseConv2DOptions& b);
bool operator==(const Pool2DOptions& a, const Pool2DOptions& b);
bool operator==(const FullyConnectedOptions& a, const FullyConnectedOptions& b);
bool operator==(const SoftmaxOptions& a, const SoftmaxOptions& b);
bool operator==(const ConcatenationOptions& a, const ConcatenationOptions& b);
bool operator==(const AddOptions& a, const AddOptions& b);
bool operator==(const ReshapeOptions& a, const ReshapeOptions& b);
bool operator==(const ReducerOptions& a, const ReducerOptions& b);
bool operator==(const SqueezeOptions& a, const SqueezeOptions& b);
inline bool operator==(const PadOptions&, const PadOptions&) { return true; }
inline bool operator==(const QuantizeOptions&, const QuantizeOptions&) { return true; }
inline bool operator==(const DequantizeOptions&, const DequantizeOptions&) { return true; }
inline bool operator==(const NoOptions&, const NoOptions&) { return true; }
inline bool operator==(const UndecodedOptions& a, const UndecodedOptions& b) {
  return a.type == b.type;
}

template <typename T>
T options_or_default(const BuiltinOptions& options) {
  if (const T* held = std::get_if<T>(&options)) return *held;
  if (std::holds_alternative<NoOptions>(options)) return T{};
  throw TfliteError("operator carries " + options_name(options) + ", expected " +
                    options_name(BuiltinOptions(T{})));
}

}  // namespace tinynas::tflite
