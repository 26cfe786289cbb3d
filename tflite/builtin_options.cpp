#include "tflite/builtin_options.h"

#include <tuple>

namespace tinynas::tflite {
BuiltinOptions default_options_for(BuiltinOperator code) {
  switch (code) {
    case BuiltinOperator::kConv2D:
      return Conv2DOptions{};
    case BuiltinOperator::kDepthwiseConv2D:
      return DepthwiseConv2DOptions{};
    case BuiltinOperator::kAveragePool2D:
    case BuiltinOperator::kMaxPool2D:
      return Pool2DOptions{};
    case BuiltinOperator::kFullyConnected:
      return FullyConnectedOptions{};
    case BuiltinOperator::kSoftmax:
      return SoftmaxOptions{};
    case BuiltinOperator::kConcatenation:
      return ConcatenationOptions{};
    case BuiltinOperator::kAdd:
      return AddOptions{};
    case BuiltinOperator::kReshape:
      return ReshapeOptions{};
    case BuiltinOperator::kMean:
      return ReducerOptions{};
    case BuiltinOperator::kSqueeze:
      return SqueezeOptions{};
    case BuiltinOperator::kPad:
      return PadOptions{};
    case BuiltinOperator::kQuantize:
      return QuantizeOptions{};
    case BuiltinOperator::kDequantize:
      return DequantizeOptions{};
    default:
      return NoOptions{};
  }
}

bool options_are_decoded(BuiltinOperator code) {
  return !std::holds_alternative<NoOptions>(default_options_for(code));
}

bool options_required(BuiltinOperator code) {
  return code == BuiltinOperator::kConv2D || code == BuiltinOperator::kDepthwiseConv2D ||
         code == BuiltinOperator::kAveragePool2D || code == BuiltinOperator::kMaxPool2D;
}

std::string options_name(const BuiltinOptions& options) {
  struct Namer {
    std::string operator()(const NoOptions&) const { return "no options"; }
    std::string operator()(const Conv2DOptions&) const { return "Conv2DOptions"; }
    std::string operator()(const DepthwiseConv2DOptions&) const { return "DepthwiseConv2DOptions"; }
    std::string operator()(const Pool2DOptions&) const { return "Pool2DOptions"; }
    std::string operator()(const FullyConnectedOptions&) const { return "FullyConnectedOptions"; }
    std::string operator()(const SoftmaxOptions&) const { return "SoftmaxOptions"; }
    std::string operator()(const ConcatenationOptions&) const { return "ConcatenationOptions"; }
    std::string operator()(const AddOptions&) const { return "AddOptions"; }
    std::string operator()(const ReshapeOptions&) const { return "ReshapeOptions"; }
    std::string operator()(const ReducerOptions&) const { return "ReducerOptions"; }
    std::string operator()(const SqueezeOptions&) const { return "SqueezeOptions"; }
    std::string operator()(const PadOptions&) const { return "PadOptions"; }
    std::string operator()(const QuantizeOptions&) const { return "QuantizeOptions"; }
    std::string operator()(const DequantizeOptions&) const { return "DequantizeOptions"; }
    std::string operator()(const UndecodedOptions& undecoded) const {
      return "undecoded options (type " + std::to_string(undecoded.type) + ")";
    }
  };
  return std::visit(Namer{}, options);
}

bool operator==(const Conv2DOptions& a, const Conv2DOptions& b) {
  return std::tie(a.padding, a.stride_w, a.stride_h, a.activation, a.dilation_w_factor,
                  a.dilation_h_factor, a.quantized_bias_type) ==
         std::tie(b.padding, b.stride_w, b.stride_h, b.activation, b.dilation_w_factor,
                  b.dilation_h_factor, b.quantized_bias_type);
}

bool operator==(const DepthwiseConv2DOptions& a, const DepthwiseConv2DOptions& b) {
  return std::tie(a.padding, a.stride_w, a.stride_h, a.depth_multiplier, a.activation,
                  a.dilation_w_factor, a.dilation_h_factor) ==
         std::tie(b.padding, b.stride_w, b.stride_h, b.depth_multiplier, b.activation,
                  b.dilation_w_factor, b.dilation_h_factor);
}

bool operator==(const Pool2DOptions& a, const Pool2DOptions& b) {
  return std::tie(a.padding, a.stride_w, a.stride_h, a.filter_width, a.filter_height,
                  a.activation) ==
         std::tie(b.padding, b.stride_w, b.stride_h, b.filter_width, b.filter_height, b.activation);
}

bool operator==(const FullyConnectedOptions& a, const FullyConnectedOptions& b) {
  return std::tie(a.activation, a.weights_format, a.keep_num_dims, a.asymmetric_quantize_inputs,
                  a.quantized_bias_type) == std::tie(b.activation, b.weights_format,
                                                     b.keep_num_dims, b.asymmetric_quantize_inputs,
                                                     b.quantized_bias_type);
}

bool operator==(const SoftmaxOptions& a, const SoftmaxOptions& b) { return a.beta == b.beta; }

bool operator==(const ConcatenationOptions& a, const ConcatenationOptions& b) {
  return a.axis == b.axis && a.activation == b.activation;
}

bool operator==(const AddOptions& a, const AddOptions& b) {
  return a.activation == b.activation && a.pot_scale_int16 == b.pot_scale_int16;
}

bool operator==(const ReshapeOptions& a, const ReshapeOptions& b) {
  return a.new_shape == b.new_shape;
}

bool operator==(const ReducerOptions& a, const ReducerOptions& b) {
  return a.keep_dims == b.keep_dims;
}

bool operator==(const SqueezeOptions& a, const SqueezeOptions& b) {
  return a.squeeze_dims == b.squeeze_dims;
}

}  // namespace tinynas::tflite
