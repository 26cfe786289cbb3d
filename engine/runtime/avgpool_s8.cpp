// Average pool, int8 in and out with the same quantization (TFLite AVERAGE_POOL_2D int8): the
// mean of the window cells that lie inside the input, rounded half away from zero.
// The window is clipped here rather than with window_span.h: that measured 4% slower on the
// host (bench/kernels_bench BM_Avgpool), and the kernel is bit-exact either way.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

// Channels summed together: NHWC keeps them adjacent, so the inner loop reads contiguous bytes.
constexpr int32_t kChannelBlock = 16;

// sum / count rounded to nearest, ties away from zero (count > 0).
int32_t rounded_mean(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

}  // namespace

void avgpool_s8(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  const int32_t input_h = input_shape.h;
  const int32_t input_w = input_shape.w;
  const int32_t channels = input_shape.c;
  const int32_t output_h = output_shape.h;
  const int32_t output_w = output_shape.w;

  int8_t* out = output;
  for (int32_t out_y = 0; out_y < output_h; ++out_y) {
    const int32_t in_y_origin = out_y * params.stride_h - params.pad_top;
    const int32_t ky_begin = max_i32(0, -in_y_origin);
    const int32_t ky_end = min_i32(params.kernel_h, input_h - in_y_origin);
    for (int32_t out_x = 0; out_x < output_w; ++out_x) {
      const int32_t in_x_origin = out_x * params.stride_w - params.pad_left;
      const int32_t kx_begin = max_i32(0, -in_x_origin);
      const int32_t kx_end = min_i32(params.kernel_w, input_w - in_x_origin);
      // Padding < kernel and a consistent output shape keep every window non-empty; the guard
      // only keeps a malformed call from dividing by zero.
      const int32_t count = max_i32(1, (ky_end - ky_begin) * (kx_end - kx_begin));
      for (int32_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
        const int32_t block = min_i32(kChannelBlock, channels - c0);
        int32_t sum[kChannelBlock] = {};
        for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
          const int32_t in_y = in_y_origin + ky;
          for (int32_t kx = kx_begin; kx < kx_end; ++kx) {
            const int8_t* in = input + (in_y * input_w + in_x_origin + kx) * channels + c0;
            for (int32_t j = 0; j < block; ++j) sum[j] += in[j];
          }
        }
        for (int32_t j = 0; j < block; ++j) {
          out[c0 + j] = static_cast<int8_t>(
              clamp_i32(rounded_mean(sum[j], count), params.activation_min, params.activation_max));
        }
      }
      out += channels;
    }
  }
}

}  // namespace tinynas::runtime
