// Global average pool: per channel, the sum of (input - zero point) over H x W, requantized with
// a multiplier that already folds in 1 / (H * W): out = clamp(zp_out + M * sum(in - zp_in)).
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

// Channels summed together: NHWC keeps them adjacent, so the inner loop reads contiguous bytes.
constexpr int32_t kChannelBlock = 16;

}  // namespace

void global_avgpool_s8(const GlobalPoolParams& params, const Shape& input_shape,
                       const int8_t* input, int8_t* output) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t channels = input_shape.c;
  // sum(in - zp_in) == sum(in) + pixels * input_offset: the offset is added once per channel.
  const int32_t offset_sum = pixels * params.input_offset;
  for (int32_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
    const int32_t block = min_i32(kChannelBlock, channels - c0);
    int32_t sum[kChannelBlock] = {};
    const int8_t* in = input + c0;
    for (int32_t p = 0; p < pixels; ++p) {
      for (int32_t j = 0; j < block; ++j) sum[j] += in[j];
      in += channels;
    }
    for (int32_t j = 0; j < block; ++j) {
      const int32_t scaled = multiply_by_quantized_multiplier(
          sum[j] + offset_sum, params.output_multiplier, params.output_shift);
      output[c0 + j] = static_cast<int8_t>(
          clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
    }
  }
}

}  // namespace tinynas::runtime
