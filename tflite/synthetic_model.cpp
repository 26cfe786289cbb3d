#include "tflite/synthetic_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace tinynas::tflite {
namespace {

// Random int8 weights in [-127, 127] have a standard deviation of about 73; activations of
// random inputs about 50 levels. An output scale of input * weight * kFanInSpread * sqrt(fan-in)
// then leaves outputs about 40 levels wide.
constexpr float kWeightStd = 73.0f;
constexpr float kActivationStd = 50.0f;
constexpr float kOutputStd = 40.0f;
constexpr float kWeightScale = 0.004f;
constexpr int32_t kBiasBound = 2000;

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

Quantization per_tensor(float scale, int64_t zero_point) { return {{scale}, {zero_point}, 0}; }

uint32_t add_buffer(Model& model, std::vector<uint8_t> bytes) {
  model.buffers.push_back(Buffer{std::move(bytes)});
  return static_cast<uint32_t>(model.buffers.size() - 1);
}

}  // namespace

int window_output_size(int size, int kernel, int stride, Padding padding) {
  if (padding == Padding::kSame) return (size + stride - 1) / stride;
  return (size - kernel + stride) / stride;
}

SyntheticModelBuilder::SyntheticModelBuilder(uint32_t seed, const std::string& description)
    : random_(seed) {
  model_.description = description;
  model_.buffers.emplace_back();  // the empty sentinel
  model_.subgraphs.emplace_back().name = "main";
}

const std::vector<int32_t>& SyntheticModelBuilder::shape(int32_t tensor) const {
  return model_.subgraphs[0].tensors.at(static_cast<size_t>(tensor)).shape;
}
float SyntheticModelBuilder::scale_of(int32_t tensor) const {
  return model_.subgraphs[0].tensors.at(static_cast<size_t>(tensor)).quantization.scales.at(0);
}
int64_t SyntheticModelBuilder::zero_point_of(int32_t tensor) const {
  return model_.subgraphs[0].tensors.at(static_cast<size_t>(tensor)).quantization.zero_points.at(0);
}
int32_t SyntheticModelBuilder::random_zero_point() {
  return std::uniform_int_distribution<int32_t>(-20, 20)(random_);
}

int32_t SyntheticModelBuilder::activation_tensor(const std::string& prefix,
                                                 std::vector<int32_t> shape, float scale,
                                                 int64_t zero_point) {
  Tensor tensor;
  tensor.name = prefix + "_" + std::to_string(names_++);
  tensor.type = TensorType::kInt8;
  tensor.shape = std::move(shape);
  tensor.quantization = per_tensor(scale, zero_point);
  model_.subgraphs[0].tensors.push_back(std::move(tensor));
  return static_cast<int32_t>(model_.subgraphs[0].tensors.size() - 1);
}

int32_t SyntheticModelBuilder::new_like(const std::string& prefix, int32_t x,
                                        std::vector<int32_t> shape) {
  return activation_tensor(prefix, std::move(shape), scale_of(x), zero_point_of(x));
}

int32_t SyntheticModelBuilder::add_op(BuiltinOperator code, std::vector<int32_t> inputs,
                                      int32_t output, BuiltinOptions options) {
  uint32_t index = 0;
  while (index < model_.operator_codes.size() &&
         model_.operator_codes[index].builtin_code != code) {
    ++index;
  }
  if (index == model_.operator_codes.size()) model_.operator_codes.push_back({code, "", 1});
  Operator op;
  op.opcode_index = index;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  op.options = std::move(options);
  model_.subgraphs[0].operators.push_back(std::move(op));
  return output;
}

int32_t SyntheticModelBuilder::input(const std::vector<int32_t>& shape, bool real) {
  const int32_t quantized = activation_tensor("input", shape, 0.02f, random_zero_point());
  if (!real) {
    model_input_ = quantized;
    return quantized;
  }
  Tensor tensor;
  tensor.name = "input_float";
  tensor.type = TensorType::kFloat32;
  tensor.shape = shape;
  model_.subgraphs[0].tensors.push_back(std::move(tensor));
  model_input_ = static_cast<int32_t>(model_.subgraphs[0].tensors.size() - 1);
  return add_op(BuiltinOperator::kQuantize, {model_input_}, quantized, QuantizeOptions{});
}

int32_t SyntheticModelBuilder::weighted(BuiltinOperator code, int32_t x,
                                        std::vector<int32_t> weight_shape, int quantized_dimension,
                                        int channels, int64_t fan_in, bool per_channel,
                                        std::vector<int32_t> output_shape, Activation activation,
                                        BuiltinOptions options) {
  size_t count = 1;
  for (int32_t d : weight_shape) count *= static_cast<size_t>(d);
  std::uniform_int_distribution<int> weight(-127, 127);
  std::vector<int8_t> weights(count);
  for (int8_t& w : weights) w = static_cast<int8_t>(weight(random_));
  std::uniform_real_distribution<float> spread(0.75f, 1.5f);
  Quantization wq;
  for (int c = 0; c < (per_channel ? channels : 1); ++c) {
    wq.scales.push_back(kWeightScale * spread(random_));
    wq.zero_points.push_back(0);
  }
  wq.quantized_dimension = per_channel ? quantized_dimension : 0;
  const float input_scale = scale_of(x);
  Quantization bq;
  for (float s : wq.scales) {
    bq.scales.push_back(s * input_scale);
    bq.zero_points.push_back(0);
  }
  std::uniform_int_distribution<int32_t> bias_value(-kBiasBound, kBiasBound);
  std::vector<int32_t> bias(static_cast<size_t>(channels));
  for (int32_t& b : bias) b = bias_value(random_);

  const std::string name = builtin_operator_name(code) + "_" + std::to_string(names_);
  Tensor w;
  w.name = name + "/weights";
  w.type = TensorType::kInt8;
  w.shape = std::move(weight_shape);
  w.quantization = std::move(wq);
  w.buffer = add_buffer(model_, bytes_of(weights));
  Tensor b;
  b.name = name + "/bias";
  b.type = TensorType::kInt32;
  b.shape = {channels};
  b.quantization = std::move(bq);
  b.buffer = add_buffer(model_, bytes_of(bias));
  auto& tensors = model_.subgraphs[0].tensors;
  tensors.push_back(std::move(w));
  tensors.push_back(std::move(b));
  const int32_t w_index = static_cast<int32_t>(tensors.size() - 2);
  const int32_t b_index = w_index + 1;

  const float output_scale = input_scale * kWeightScale * kActivationStd * kWeightStd *
                             std::sqrt(static_cast<float>(fan_in)) / kOutputStd;
  const bool relu = activation == Activation::kRelu || activation == Activation::kRelu6;
  const int32_t output =
      activation_tensor(builtin_operator_name(code), std::move(output_shape),
                        relu ? output_scale / 2 : output_scale, relu ? -128 : random_zero_point());
  return add_op(code, {x, w_index, b_index}, output, std::move(options));
}

int32_t SyntheticModelBuilder::conv(int32_t x, int filters, const Window& window,
                                    Activation activation, bool per_channel) {
  const std::vector<int32_t> in = shape(x);
  Conv2DOptions options;
  options.padding = window.padding;
  options.stride_h = window.stride_h;
  options.stride_w = window.stride_w;
  options.activation = activation;
  const int oh = window_output_size(in[1], window.kernel_h, window.stride_h, window.padding);
  const int ow = window_output_size(in[2], window.kernel_w, window.stride_w, window.padding);
  return weighted(BuiltinOperator::kConv2D, x, {filters, window.kernel_h, window.kernel_w, in[3]},
                  0, filters, int64_t{window.kernel_h} * window.kernel_w * in[3], per_channel,
                  {1, oh, ow, filters}, activation, options);
}

int32_t SyntheticModelBuilder::depthwise(int32_t x, int multiplier, const Window& window,
                                         Activation activation, bool per_channel) {
  const std::vector<int32_t> in = shape(x);
  DepthwiseConv2DOptions options;
  options.padding = window.padding;
  options.stride_h = window.stride_h;
  options.stride_w = window.stride_w;
  options.depth_multiplier = multiplier;
  options.activation = activation;
  const int channels = in[3] * multiplier;
  const int oh = window_output_size(in[1], window.kernel_h, window.stride_h, window.padding);
  const int ow = window_output_size(in[2], window.kernel_w, window.stride_w, window.padding);
  return weighted(BuiltinOperator::kDepthwiseConv2D, x,
                  {1, window.kernel_h, window.kernel_w, channels}, 3, channels,
                  int64_t{window.kernel_h} * window.kernel_w, per_channel, {1, oh, ow, channels},
                  activation, options);
}

int32_t SyntheticModelBuilder::fully_connected(int32_t x, int outputs, Activation activation,
                                               bool per_channel) {
  int64_t inputs = 1;
  for (int32_t d : shape(x)) inputs *= d;
  FullyConnectedOptions options;
  options.activation = activation;
  return weighted(BuiltinOperator::kFullyConnected, x, {outputs, static_cast<int32_t>(inputs)}, 0,
                  outputs, inputs, per_channel, {1, outputs}, activation, options);
}

int32_t SyntheticModelBuilder::add(int32_t a, int32_t b, Activation activation) {
  const float scale = std::max(scale_of(a), scale_of(b)) * 1.5f;
  const int32_t output = activation_tensor("add", shape(a), scale, random_zero_point());
  return add_op(BuiltinOperator::kAdd, {a, b}, output, AddOptions{activation, true});
}

int32_t SyntheticModelBuilder::pool(BuiltinOperator code, int32_t x, const Window& window,
                                    Activation activation) {
  const std::vector<int32_t> in = shape(x);
  const int32_t output = new_like(
      builtin_operator_name(code), x,
      {1, window_output_size(in[1], window.kernel_h, window.stride_h, window.padding),
       window_output_size(in[2], window.kernel_w, window.stride_w, window.padding), in[3]});
  return add_op(code, {x}, output,
                Pool2DOptions{window.padding, window.stride_w, window.stride_h, window.kernel_w,
                              window.kernel_h, activation});
}

int32_t SyntheticModelBuilder::average_pool(int32_t x, const Window& window,
                                            Activation activation) {
  return pool(BuiltinOperator::kAveragePool2D, x, window, activation);
}

int32_t SyntheticModelBuilder::max_pool(int32_t x, const Window& window, Activation activation) {
  return pool(BuiltinOperator::kMaxPool2D, x, window, activation);
}

int32_t SyntheticModelBuilder::mean(int32_t x, bool keep_dims, bool requantize) {
  const std::vector<int32_t> in = shape(x);
  Tensor axes;
  axes.name = "axes_" + std::to_string(names_++);
  axes.type = TensorType::kInt32;
  axes.shape = {2};
  axes.buffer = add_buffer(model_, bytes_of(std::vector<int32_t>{1, 2}));
  model_.subgraphs[0].tensors.push_back(std::move(axes));
  const int32_t axes_index = static_cast<int32_t>(model_.subgraphs[0].tensors.size() - 1);
  std::vector<int32_t> out_shape =
      keep_dims ? std::vector<int32_t>{1, 1, 1, in[3]} : std::vector<int32_t>{1, in[3]};
  const int32_t output = requantize ? activation_tensor("mean", std::move(out_shape),
                                                        scale_of(x) * 0.7f, random_zero_point())
                                    : new_like("mean", x, std::move(out_shape));
  return add_op(BuiltinOperator::kMean, {x, axes_index}, output, ReducerOptions{keep_dims});
}

int32_t SyntheticModelBuilder::reshape(int32_t x, const std::vector<int32_t>& new_shape) {
  const int32_t output = new_like("reshape", x, new_shape);
  return add_op(BuiltinOperator::kReshape, {x}, output, ReshapeOptions{new_shape});
}

int32_t SyntheticModelBuilder::squeeze(int32_t x, const std::vector<int32_t>& dims) {
  std::vector<int32_t> out;
  const std::vector<int32_t> in = shape(x);
  for (size_t d = 0; d < in.size(); ++d) {
    if (std::find(dims.begin(), dims.end(), static_cast<int32_t>(d)) == dims.end()) {
      out.push_back(in[d]);
    }
  }
  const int32_t output = new_like("squeeze", x, out);
  return add_op(BuiltinOperator::kSqueeze, {x}, output, SqueezeOptions{dims});
}

int32_t SyntheticModelBuilder::softmax(int32_t x, float beta) {
  const int32_t output = activation_tensor("softmax", shape(x), 1.0f / 256.0f, -128);
  return add_op(BuiltinOperator::kSoftmax, {x}, output, SoftmaxOptions{beta});
}

int32_t SyntheticModelBuilder::pad(int32_t x, int top, int bottom, int left, int right) {
  const std::vector<int32_t> in = shape(x);
  Tensor paddings;
  paddings.name = "paddings_" + std::to_string(names_++);
  paddings.type = TensorType::kInt32;
  paddings.shape = {4, 2};
  paddings.buffer =
      add_buffer(model_, bytes_of(std::vector<int32_t>{0, 0, top, bottom, left, right, 0, 0}));
  model_.subgraphs[0].tensors.push_back(std::move(paddings));
  const int32_t paddings_index = static_cast<int32_t>(model_.subgraphs[0].tensors.size() - 1);
  const int32_t output = new_like("pad", x, {1, in[1] + top + bottom, in[2] + left + right, in[3]});
  return add_op(BuiltinOperator::kPad, {x, paddings_index}, output, PadOptions{});
}

int32_t SyntheticModelBuilder::concatenation(const std::vector<int32_t>& inputs) {
  std::vector<int32_t> out = shape(inputs.at(0));
  out.back() = 0;
  float scale = 0.0f;
  for (int32_t x : inputs) {
    out.back() += shape(x).back();
    scale = std::max(scale, scale_of(x));
  }
  const int32_t output = activation_tensor("concatenation", out, scale, random_zero_point());
  return add_op(BuiltinOperator::kConcatenation, inputs, output,
                ConcatenationOptions{static_cast<int32_t>(out.size()) - 1, Activation::kNone});
}

int32_t SyntheticModelBuilder::requantize(int32_t x) {
  const int32_t output =
      activation_tensor("quantize", shape(x), scale_of(x) * 1.3f, random_zero_point());
  return add_op(BuiltinOperator::kQuantize, {x}, output, QuantizeOptions{});
}

Model SyntheticModelBuilder::finish(int32_t output, bool real) {
  if (model_input_ < 0) throw std::logic_error("SyntheticModelBuilder: no input");
  int32_t model_output = output;
  if (real) {
    Tensor tensor;
    tensor.name = "output_float";
    tensor.type = TensorType::kFloat32;
    tensor.shape = shape(output);
    model_.subgraphs[0].tensors.push_back(std::move(tensor));
    model_output = static_cast<int32_t>(model_.subgraphs[0].tensors.size() - 1);
    add_op(BuiltinOperator::kDequantize, {output}, model_output, DequantizeOptions{});
  }
  model_.subgraphs[0].inputs = {model_input_};
  model_.subgraphs[0].outputs = {model_output};
  return model_;
}

}  // namespace tinynas::tflite
