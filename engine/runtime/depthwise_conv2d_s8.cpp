// Depthwise k x k int8 convolution, depth multiplier 1, output in its own buffer, no scratch.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

// Channels accumulated together: NHWC keeps them adjacent, so the inner loop runs over
// contiguous bytes of input and filter; the accumulators live on the stack (no scratch).
constexpr int32_t kChannelBlock = 16;

int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

}  // namespace

void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output) {
  const int32_t input_h = input_shape.h;
  const int32_t input_w = input_shape.w;
  const int32_t channels = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_h = output_shape.h;
  const int32_t output_w = output_shape.w;
  const int32_t input_offset = params.input_offset;

  int8_t* out = output;
  for (int32_t out_y = 0; out_y < output_h; ++out_y) {
    const int32_t in_y_origin = out_y * params.stride_h - params.pad_top;
    // Padded cells contribute nothing, so the window is clipped to the input instead of read.
    const int32_t ky_begin = max_i32(0, -in_y_origin);
    const int32_t ky_end = min_i32(kernel_h, input_h - in_y_origin);
    for (int32_t out_x = 0; out_x < output_w; ++out_x) {
      const int32_t in_x_origin = out_x * params.stride_w - params.pad_left;
      const int32_t kx_begin = max_i32(0, -in_x_origin);
      const int32_t kx_end = min_i32(kernel_w, input_w - in_x_origin);
      for (int32_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
        const int32_t block = min_i32(kChannelBlock, channels - c0);
        int32_t acc[kChannelBlock];
        for (int32_t j = 0; j < block; ++j) acc[j] = bias != nullptr ? bias[c0 + j] : 0;
        for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
          const int32_t in_y = in_y_origin + ky;
          for (int32_t kx = kx_begin; kx < kx_end; ++kx) {
            const int8_t* in = input + (in_y * input_w + in_x_origin + kx) * channels + c0;
            const int8_t* taps = filter + (ky * kernel_w + kx) * channels + c0;
            for (int32_t j = 0; j < block; ++j) {
              acc[j] +=
                  (static_cast<int32_t>(in[j]) + input_offset) * static_cast<int32_t>(taps[j]);
            }
          }
        }
        for (int32_t j = 0; j < block; ++j) {
          const int32_t c = c0 + j;
          const int32_t scaled =
              multiply_by_quantized_multiplier(acc[j], quant.multiplier[c], quant.shift[c]);
          out[c] = static_cast<int8_t>(clamp_i32(scaled + params.output_offset,
                                                 params.activation_min, params.activation_max));
        }
      }
      out += channels;
    }
  }
}

int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& /*input_shape*/,
                                            const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
