// Host-side int8 quantization arithmetic: turns the real-valued scales of a graph into the
// integer multipliers, shifts and clamp ranges that the runtime kernels use (TFLite semantics,
// so results match TFLite Micro / CMSIS-NN bit for bit).
// Reference: Jacob et al., "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference", CVPR 2018, section 2.2 (M = 2^-n * M0, M0 in [0.5, 1)).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/graph.h"

namespace tinynas::compiler {

// real = multiplier * 2^(shift - 31), multiplier a Q31 value in [2^30, 2^31), or 0 with shift 0.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;  // [-31, 30]
  bool operator==(const QuantizedMultiplier& o) const {
    return multiplier == o.multiplier && shift == o.shift;
  }
};

// TFLite QuantizeMultiplier: frexp, round the mantissa to Q31 (a mantissa that rounds to 2^31
// becomes 2^30 with the exponent raised by one); 0 -> {0, 0}; values below 2^-32 flush to
// {0, 0}. Throws std::invalid_argument for negative, NaN or infinite values and for values
// >= 2^30 (no int32 requantization can represent them).
QuantizedMultiplier quantize_multiplier(double real);

// The int8 range [min, max] a fused activation leaves, in the output's quantization:
// kNone -> [-128, 127], kRelu -> [max(-128, zp), 127], kRelu6 -> also max <= zp + round(6/scale).
struct ActivationRange {
  int32_t min = -128;
  int32_t max = 127;
};
ActivationRange activation_range(Activation activation, float output_scale,
                                 int32_t output_zero_point);

// Per-output-channel requantization of conv / depthwise / fully connected:
// M[c] = input_scale * weight_scales[c] / output_scale. weight_scales may hold one value, then
// it applies to all `channels`.
std::vector<QuantizedMultiplier> per_channel_multipliers(double input_scale,
                                                         const std::vector<float>& weight_scales,
                                                         double output_scale, int channels);

// TFLite ADD: both inputs are rescaled to twice the larger input scale with kAddLeftShift bits
// of headroom, then the sum is rescaled to the output.
inline constexpr int32_t kAddLeftShift = 20;
struct AddQuantization {
  int32_t left_shift = kAddLeftShift;
  QuantizedMultiplier input0;  // shift <= 0
  QuantizedMultiplier input1;  // shift <= 0
  QuantizedMultiplier output;
};
AddQuantization add_quantization(double input0_scale, double input1_scale, double output_scale);

// Global average pool (tinynas's own mean over H, W): M = input_scale / (output_scale * H * W).
QuantizedMultiplier global_average_pool_multiplier(double input_scale, double output_scale,
                                                   int height, int width);

// int8 -> int8 requantization (TFLite QUANTIZE between int8 tensors; a concatenation input whose
// quantization differs from the output's): M = input_scale / output_scale, computed in double
// from the float scales as TFLite does.
QuantizedMultiplier requantization_multiplier(double input_scale, double output_scale);

// TFLite's int8 softmax parameters: PreprocessSoftmaxScaling (beta * input_scale * 2^26, capped at
// 2^31 - 1, as a multiplier > 1 with a left shift in [1, 31]) and diff_min = -CalculateInputRadius
// (the largest difference whose scaled value stays inside Q5.26). Throws std::invalid_argument
// when beta or the scale is not finite and positive, or beta * scale <= 2^-26 (TFLite refuses
// those too).
struct SoftmaxQuantization {
  int32_t input_multiplier = 0;
  int32_t input_left_shift = 0;
  int32_t diff_min = 0;
  bool operator==(const SoftmaxQuantization& o) const {
    return input_multiplier == o.input_multiplier && input_left_shift == o.input_left_shift &&
           diff_min == o.diff_min;
  }
};
SoftmaxQuantization softmax_quantization(double beta, double input_scale);

// TFLite MEAN over H and W of an int8 NHWC tensor, the way TFLite Micro picks its computation
// (runtime::MeanMode): keep_dims -> rescale then divide, with the multiplier of input_scale /
// output_scale; otherwise the truncated mean when scale and zero point are the same in and out,
// else single precision with scale = input_scale / output_scale (a float division).
struct MeanQuantization {
  runtime::MeanMode mode = runtime::MeanMode::kRescaleThenDivide;
  QuantizedMultiplier multiplier;  // kRescaleThenDivide
  float scale = 0.0f;              // kFloat
};
MeanQuantization mean_quantization(float input_scale, int32_t input_zero_point, float output_scale,
                                   int32_t output_zero_point, bool keep_dims);

}  // namespace tinynas::compiler
