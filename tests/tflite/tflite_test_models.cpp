#include "tests/tflite/tflite_test_models.h"

#include <cmath>
#include <cstring>
#include <random>
#include <utility>

namespace tinynas::tflite::testing {
namespace {

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

SubGraph& main_graph(Model& model) {
  if (model.subgraphs.empty()) model.subgraphs.emplace_back().name = "main";
  return model.subgraphs[0];
}

Operator& add_operator(Model& model, uint32_t opcode_index, std::vector<int32_t> inputs,
                       std::vector<int32_t> outputs, BuiltinOptions options = NoOptions{}) {
  Operator op;
  op.opcode_index = opcode_index;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = std::move(options);
  main_graph(model).operators.push_back(std::move(op));
  return main_graph(model).operators.back();
}

Operator& add_operator(Model& model, BuiltinOperator code, std::vector<int32_t> inputs,
                       std::vector<int32_t> outputs, BuiltinOptions options = NoOptions{}) {
  return add_operator(model, add_operator_code(model, code), std::move(inputs), std::move(outputs),
                      std::move(options));
}

// Per-channel weight scales around `base`, different for each channel.
std::vector<float> channel_scales(int channels, float base) {
  std::vector<float> scales;
  for (int c = 0; c < channels; ++c)
    scales.push_back(base * (1.0f + 0.25f * static_cast<float>(c)));
  return scales;
}

std::vector<float> times(std::vector<float> values, float factor) {
  for (float& v : values) v *= factor;
  return values;
}

// Constant int8 weights and int32 bias with the quantization TFLite prescribes for them.
// Per-tensor weights get one scale (zero point 0), and so does their bias.
std::pair<int32_t, int32_t> add_weights_and_bias(Model& model, const std::string& name,
                                                 std::vector<int32_t> weight_shape,
                                                 int32_t quantized_dimension, float input_scale,
                                                 uint32_t seed, bool per_channel_weights = true) {
  const int channels = weight_shape[static_cast<size_t>(quantized_dimension)];
  size_t count = 1;
  for (int32_t d : weight_shape) count *= static_cast<size_t>(d);
  const std::vector<float> scales = channel_scales(per_channel_weights ? channels : 1, 0.02f);
  const int32_t weights =
      add_tensor(model, name + "/weights", TensorType::kInt8, std::move(weight_shape),
                 per_channel(scales, quantized_dimension),
                 add_buffer(model, bytes_of(random_int8(count, seed))));
  const int32_t bias = add_tensor(
      model, name + "/bias", TensorType::kInt32, {channels},
      per_channel(times(scales, input_scale), 0),
      add_buffer(model, bytes_of(random_int32(static_cast<size_t>(channels), 300, seed + 1))));
  return {weights, bias};
}

}  // namespace

uint32_t add_buffer(Model& model, std::vector<uint8_t> bytes) {
  if (model.buffers.empty()) model.buffers.emplace_back();
  model.buffers.push_back(Buffer{std::move(bytes)});
  return static_cast<uint32_t>(model.buffers.size() - 1);
}

uint32_t add_operator_code(Model& model, BuiltinOperator code, int32_t version,
                           const std::string& custom_code) {
  const OperatorCode wanted{code, custom_code, version};
  for (size_t i = 0; i < model.operator_codes.size(); ++i) {
    if (model.operator_codes[i] == wanted) return static_cast<uint32_t>(i);
  }
  model.operator_codes.push_back(wanted);
  return static_cast<uint32_t>(model.operator_codes.size() - 1);
}

int32_t add_tensor(Model& model, const std::string& name, TensorType type,
                   std::vector<int32_t> shape, Quantization quantization, uint32_t buffer) {
  Tensor tensor;
  tensor.name = name;
  tensor.type = type;
  tensor.shape = std::move(shape);
  tensor.quantization = std::move(quantization);
  tensor.buffer = buffer;
  SubGraph& graph = main_graph(model);
  graph.tensors.push_back(std::move(tensor));
  return static_cast<int32_t>(graph.tensors.size() - 1);
}

Quantization per_tensor(float scale, int64_t zero_point) {
  return Quantization{{scale}, {zero_point}, 0};
}

Quantization per_channel(std::vector<float> scales, int32_t dimension) {
  Quantization q;
  q.zero_points.assign(scales.size(), 0);
  q.scales = std::move(scales);
  q.quantized_dimension = dimension;
  return q;
}

std::vector<int8_t> random_int8(size_t count, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> value(-127, 127);
  std::vector<int8_t> values(count);
  for (int8_t& v : values) v = static_cast<int8_t>(value(generator));
  return values;
}

std::vector<int32_t> random_int32(size_t count, int32_t bound, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int32_t> value(-bound, bound);
  std::vector<int32_t> values(count);
  for (int32_t& v : values) v = value(generator);
  return values;
}

Model make_fully_connected_model(int inputs, int outputs, uint32_t seed, Activation activation,
                                 bool per_channel_weights) {
  Model model;
  model.description = "tinynas test: fully connected";
  const float input_scale = 0.05f;
  const int32_t input =
      add_tensor(model, "input", TensorType::kInt8, {1, inputs}, per_tensor(input_scale, -3));
  const auto [weights, bias] = add_weights_and_bias(model, "dense", {outputs, inputs}, 0,
                                                    input_scale, seed, per_channel_weights);
  // Output scale: outputs of random data spread over the int8 range rather than saturate.
  const float output_scale = 0.06f * std::sqrt(static_cast<float>(inputs));
  const int32_t output =
      add_tensor(model, "output", TensorType::kInt8, {1, outputs}, per_tensor(output_scale, 5));
  FullyConnectedOptions options;
  options.activation = activation;
  add_operator(model, BuiltinOperator::kFullyConnected, {input, weights, bias}, {output}, options);
  main_graph(model).inputs = {input};
  main_graph(model).outputs = {output};
  return model;
}

Model make_conv_model(int size, int channels, int filters, int stride, uint32_t seed,
                      Activation activation) {
  Model model;
  model.description = "tinynas test: conv";
  const float input_scale = 0.04f;
  const int32_t input = add_tensor(model, "input", TensorType::kInt8, {1, size, size, channels},
                                   per_tensor(input_scale, 2));
  const auto [weights, bias] =
      add_weights_and_bias(model, "conv", {filters, 3, 3, channels}, 0, input_scale, seed);
  const int out_size = (size + stride - 1) / stride;
  const float output_scale = 0.05f * std::sqrt(static_cast<float>(9 * channels));
  const int32_t output =
      add_tensor(model, "output", TensorType::kInt8, {1, out_size, out_size, filters},
                 per_tensor(output_scale, activation == Activation::kNone ? 0 : -128));
  Conv2DOptions options;
  options.padding = Padding::kSame;
  options.stride_w = stride;
  options.stride_h = stride;
  options.activation = activation;
  add_operator(model, BuiltinOperator::kConv2D, {input, weights, bias}, {output}, options);
  main_graph(model).inputs = {input};
  main_graph(model).outputs = {output};
  return model;
}

Model make_cnn_model(uint32_t seed) {
  Model model;
  model.description = "tinynas test: every decoded operator";
  const Quantization act = per_tensor(0.05f, -4);
  auto activation = [&](const std::string& name, std::vector<int32_t> shape) {
    return add_tensor(model, name, TensorType::kInt8, std::move(shape), act);
  };
  const int32_t image = add_tensor(model, "image", TensorType::kFloat32, {1, 8, 8, 3});
  model.subgraphs[0].tensors[static_cast<size_t>(image)].shape_signature = {-1, 8, 8, 3};
  const int32_t quantized = activation("quantized", {1, 8, 8, 3});
  add_operator(model, BuiltinOperator::kQuantize, {image}, {quantized}, QuantizeOptions{});

  const int32_t paddings =
      add_tensor(model, "paddings", TensorType::kInt32, {4, 2}, {},
                 add_buffer(model, bytes_of(std::vector<int32_t>{0, 0, 1, 1, 1, 1, 0, 0})));
  const int32_t padded = activation("padded", {1, 10, 10, 3});
  add_operator(model, BuiltinOperator::kPad, {quantized, paddings}, {padded}, PadOptions{});

  const auto [conv_w, conv_b] = add_weights_and_bias(model, "conv", {8, 3, 3, 3}, 0, 0.05f, seed);
  const int32_t conv = activation("conv", {1, 4, 4, 8});
  Conv2DOptions conv_options;
  conv_options.padding = Padding::kValid;
  conv_options.stride_w = 2;
  conv_options.stride_h = 2;
  conv_options.activation = Activation::kRelu6;
  add_operator(model, BuiltinOperator::kConv2D, {padded, conv_w, conv_b}, {conv}, conv_options);

  const auto [dw_w, dw_b] =
      add_weights_and_bias(model, "depthwise", {1, 3, 3, 8}, 3, 0.05f, seed + 10);
  const int32_t depthwise = activation("depthwise", {1, 4, 4, 8});
  DepthwiseConv2DOptions dw_options;
  dw_options.stride_w = 1;
  dw_options.stride_h = 1;
  dw_options.depth_multiplier = 1;
  dw_options.activation = Activation::kRelu;
  dw_options.dilation_w_factor = 2;
  add_operator(model, BuiltinOperator::kDepthwiseConv2D, {conv, dw_w, dw_b}, {depthwise},
               dw_options);

  const int32_t sum = activation("sum", {1, 4, 4, 8});
  add_operator(model, BuiltinOperator::kAdd, {conv, depthwise}, {sum},
               AddOptions{Activation::kRelu, true});

  const int32_t joined = activation("joined", {1, 4, 4, 16});
  add_operator(model, BuiltinOperator::kConcatenation, {sum, depthwise}, {joined},
               ConcatenationOptions{3, Activation::kNone});

  const int32_t max_pooled = activation("max_pooled", {1, 2, 2, 16});
  add_operator(model, BuiltinOperator::kMaxPool2D, {joined}, {max_pooled},
               Pool2DOptions{Padding::kValid, 2, 2, 2, 2, Activation::kNone});
  const int32_t avg_pooled = activation("avg_pooled", {1, 1, 1, 16});
  add_operator(model, BuiltinOperator::kAveragePool2D, {max_pooled}, {avg_pooled},
               Pool2DOptions{Padding::kSame, 2, 2, 2, 2, Activation::kNone});

  const int32_t axes = add_tensor(model, "axes", TensorType::kInt32, {2}, {},
                                  add_buffer(model, bytes_of(std::vector<int32_t>{1, 2})));
  const int32_t mean = activation("mean", {1, 1, 1, 16});
  add_operator(model, BuiltinOperator::kMean, {avg_pooled, axes}, {mean}, ReducerOptions{true});
  const int32_t squeezed = activation("squeezed", {1, 16});
  add_operator(model, BuiltinOperator::kSqueeze, {mean}, {squeezed}, SqueezeOptions{{1, 2}});
  const int32_t flat = activation("flat", {1, 16});
  add_operator(model, BuiltinOperator::kReshape, {squeezed}, {flat}, ReshapeOptions{{1, -1}});

  // Per-tensor, as converters quantize FULLY_CONNECTED weights by default.
  const auto [fc_w, fc_b] =
      add_weights_and_bias(model, "dense", {10, 16}, 0, 0.05f, seed + 20, false);
  const int32_t logits =
      add_tensor(model, "logits", TensorType::kInt8, {1, 10}, per_tensor(0.25f, 0));
  FullyConnectedOptions fc_options;
  fc_options.keep_num_dims = true;
  add_operator(model, BuiltinOperator::kFullyConnected, {flat, fc_w, fc_b}, {logits}, fc_options);
  const int32_t probabilities = add_tensor(model, "probabilities", TensorType::kInt8, {1, 10},
                                           per_tensor(1.0f / 256.0f, -128));
  add_operator(model, BuiltinOperator::kSoftmax, {logits}, {probabilities}, SoftmaxOptions{1.0f});
  const int32_t scores = add_tensor(model, "scores", TensorType::kFloat32, {1, 10});
  add_operator(model, BuiltinOperator::kDequantize, {probabilities}, {scores}, DequantizeOptions{});
  main_graph(model).inputs = {image};
  main_graph(model).outputs = {scores};
  return model;
}

Model make_unsupported_ops_model() {
  Model model = make_fully_connected_model(4, 4, 7);
  auto activation = [&](const std::string& name) {
    return add_tensor(model, name, TensorType::kInt8, {1, 4}, per_tensor(0.1f, 5));
  };
  const int32_t dense = model.subgraphs[0].outputs[0];
  const int32_t swished = activation("swished");
  add_operator(model, static_cast<BuiltinOperator>(117), {dense}, {swished});  // HARD_SWISH
  const int32_t gelu = activation("gelu");
  add_operator(model, static_cast<BuiltinOperator>(150), {swished}, {gelu});  // GELU
  const int32_t custom = activation("custom");
  Operator& op =
      add_operator(model, add_operator_code(model, BuiltinOperator::kCustom, 2, "TinyNasTestOp"),
                   {gelu, -1}, {custom});
  op.custom_options = {0x01, 0x02, 0x03, 0x04, 0x05};
  model.subgraphs[0].outputs = {custom};
  return model;
}

}  // namespace tinynas::tflite::testing
