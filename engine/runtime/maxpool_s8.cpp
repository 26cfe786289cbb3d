// Max pool, int8 in and out with the same quantization (TFLite MAX_POOL_2D int8,
// reference_integer_ops::MaxPool): the largest window cell inside the input, then the activation
// clamp. Padded cells are not read, so they never win.
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

namespace {

// Channels compared together: NHWC keeps them adjacent, so the inner loop reads contiguous bytes.
constexpr int32_t kChannelBlock = 16;
constexpr int32_t kInt8Lowest = -128;

}  // namespace

void maxpool_s8(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  const int32_t input_w = input_shape.w;
  const int32_t channels = input_shape.c;
  int8_t* out = output;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, params.kernel_h, input_shape.h);
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, params.kernel_w, input_w);
      for (int32_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
        const int32_t block = min_i32(kChannelBlock, channels - c0);
        int32_t largest[kChannelBlock];
        for (int32_t j = 0; j < block; ++j) largest[j] = kInt8Lowest;
        for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
          const int8_t* row = input + (rows.origin + ky) * input_w * channels + c0;
          for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
            const int8_t* in = row + (cols.origin + kx) * channels;
            for (int32_t j = 0; j < block; ++j) largest[j] = max_i32(largest[j], in[j]);
          }
        }
        for (int32_t j = 0; j < block; ++j) {
          out[c0 + j] = static_cast<int8_t>(
              clamp_i32(largest[j], params.activation_min, params.activation_max));
        }
      }
      out += channels;
    }
  }
}

}  // namespace tinynas::runtime
