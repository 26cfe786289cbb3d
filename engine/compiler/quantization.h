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

// Global average pool (TFLite MEAN over H, W): M = input_scale / (output_scale * H * W).
QuantizedMultiplier global_average_pool_multiplier(double input_scale, double output_scale,
                                                   int height, int width);

}  // namespace tinynas::compiler
