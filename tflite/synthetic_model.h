// Synthetic int8 TFLite models with seeded random weights: a builder that adds one operator at a
// time the way a converter writes it (int8 activations quantized per tensor, int8 weights per
// channel or per tensor with zero point 0, int32 bias at scale input * weight, a float input's
// QUANTIZE and a float output's DEQUANTIZE at the edges). Output scales follow each layer's
// fan-in so that values spread over the int8 range instead of saturating. For tests, fuzz seeds
// and benchmarks of networks whose trained weights we do not have; deterministic for a seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite {

struct Window {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  Padding padding = Padding::kSame;
};

class SyntheticModelBuilder {
 public:
  SyntheticModelBuilder(uint32_t seed, const std::string& description);

  // The model input, NHWC (or [1, K]). `real`: a FLOAT32 input followed by QUANTIZE.
  int32_t input(const std::vector<int32_t>& shape, bool real = false);

  int32_t conv(int32_t x, int filters, const Window& window, Activation activation,
               bool per_channel = true);
  int32_t depthwise(int32_t x, int multiplier, const Window& window, Activation activation,
                    bool per_channel = true);
  int32_t fully_connected(int32_t x, int outputs, Activation activation, bool per_channel = false);
  int32_t add(int32_t a, int32_t b, Activation activation = Activation::kNone);
  int32_t average_pool(int32_t x, const Window& window, Activation activation = Activation::kNone);
  int32_t max_pool(int32_t x, const Window& window, Activation activation = Activation::kNone);
  // MEAN over H and W. `requantize`: the output gets its own scale and zero point.
  int32_t mean(int32_t x, bool keep_dims, bool requantize);
  int32_t reshape(int32_t x, const std::vector<int32_t>& shape);
  int32_t squeeze(int32_t x, const std::vector<int32_t>& dims);
  int32_t softmax(int32_t x, float beta = 1.0f);
  int32_t pad(int32_t x, int top, int bottom, int left, int right);
  // Along channels; inputs keep their own quantization (the op requantizes them).
  int32_t concatenation(const std::vector<int32_t>& inputs);
  // int8 -> int8 QUANTIZE to a new scale and zero point.
  int32_t requantize(int32_t x);

  // The model with `output` as its output (`real`: DEQUANTIZE to FLOAT32 after it).
  Model finish(int32_t output, bool real = false);

  const std::vector<int32_t>& shape(int32_t tensor) const;

 private:
  int32_t activation_tensor(const std::string& prefix, std::vector<int32_t> shape, float scale,
                            int64_t zero_point);
  int32_t new_like(const std::string& prefix, int32_t x, std::vector<int32_t> shape);
  int32_t add_op(BuiltinOperator code, std::vector<int32_t> inputs, int32_t output,
                 BuiltinOptions options);
  int32_t weighted(BuiltinOperator code, int32_t x, std::vector<int32_t> weight_shape,
                   int quantized_dimension, int channels, int64_t fan_in, bool per_channel,
                   std::vector<int32_t> output_shape, Activation activation,
                   BuiltinOptions options);
  int32_t pool(BuiltinOperator code, int32_t x, const Window& window, Activation activation);
  float scale_of(int32_t tensor) const;
  int64_t zero_point_of(int32_t tensor) const;
  int32_t random_zero_point();

  Model model_;
  std::mt19937 random_;
  int32_t model_input_ = -1;
  int names_ = 0;
};

// SAME / VALID output size of a window along one dimension, as TFLite computes it.
int window_output_size(int size, int kernel, int stride, Padding padding);

}  // namespace tinynas::tflite
