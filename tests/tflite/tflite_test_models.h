// Small int8 TFLite models for tests, seeds and the Arm NN check, built as Model structs.
// Deterministic: the same arguments give the same model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite::testing {

// Adds a buffer holding `bytes` and returns its index (the model gets its empty sentinel first).
uint32_t add_buffer(Model& model, std::vector<uint8_t> bytes);

// Adds an operator code (or finds the equal one) and returns its index.
uint32_t add_operator_code(Model& model, BuiltinOperator code, int32_t version = 1,
                           const std::string& custom_code = "");

// Adds a tensor to subgraph 0 and returns its index.
int32_t add_tensor(Model& model, const std::string& name, TensorType type,
                   std::vector<int32_t> shape, Quantization quantization = {}, uint32_t buffer = 0);

Quantization per_tensor(float scale, int64_t zero_point);
Quantization per_channel(std::vector<float> scales, int32_t dimension);

// int8 values in [-127, 127] from a fixed generator.
std::vector<int8_t> random_int8(size_t count, uint32_t seed);
std::vector<int32_t> random_int32(size_t count, int32_t bound, uint32_t seed);

// int8 input [1, inputs] -> FULLY_CONNECTED (int8 weights [outputs, inputs], per channel or per
// tensor, int32 bias) -> int8 output [1, outputs].
Model make_fully_connected_model(int inputs, int outputs, uint32_t seed,
                                 Activation activation = Activation::kNone,
                                 bool per_channel_weights = true);

// int8 input [1, size, size, channels] -> CONV_2D 3x3 (per-channel int8 weights, int32 bias,
// SAME padding, the given stride) -> int8 output.
Model make_conv_model(int size, int channels, int filters, int stride, uint32_t seed,
                      Activation activation = Activation::kRelu);

// A small CNN with every operator whose options the reader decodes: QUANTIZE, PAD, CONV_2D,
// DEPTHWISE_CONV_2D, ADD, CONCATENATION, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, RESHAPE, SQUEEZE,
// FULLY_CONNECTED, SOFTMAX, DEQUANTIZE; a float input and output as the converter writes them.
Model make_cnn_model(uint32_t seed);

// Operators the reader does not decode: HARD_SWISH (117, no options), GELU (150, a code above
// the int8 field's range) and a CUSTOM op with custom options.
Model make_unsupported_ops_model();

}  // namespace tinynas::tflite::testing
