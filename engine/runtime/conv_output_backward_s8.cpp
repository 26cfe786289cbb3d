// Backward of the output stage every convolution and fully connected layer shares: the clamp
// (fused ReLU / ReLU6, int8 saturation) and the per-channel requantization of the accumulator.
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

namespace {

// Channels handled together: their float multipliers are computed once, on the stack.
constexpr int32_t kChannelBlock = 16;

}  // namespace

void conv_output_backward_s8(const ConvParams& params, const PerChannelQuantization& quant,
                             const Shape& output_shape, const int8_t* output,
                             const float* output_grad, float* accumulator_grad) {
  const int32_t pixels = output_shape.h * output_shape.w;
  const int32_t channels = output_shape.c;
  for (int32_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
    const int32_t block = min_i32(kChannelBlock, channels - c0);
    float multiplier[kChannelBlock];
    for (int32_t j = 0; j < block; ++j) {
      multiplier[j] = real_multiplier(quant.multiplier[c0 + j], quant.shift[c0 + j]);
    }
    for (int32_t p = 0; p < pixels; ++p) {
      const int32_t first = p * channels + c0;
      for (int32_t j = 0; j < block; ++j) {
        const int32_t i = first + j;
        accumulator_grad[i] =
            gradient_passes(output, i, params.activation_min, params.activation_max)
                ? output_grad[i] * multiplier[j]
                : 0.0f;
      }
    }
  }
}

}  // namespace tinynas::runtime
