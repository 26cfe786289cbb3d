// One output row of a depthwise convolution (depth multiplier 1) from the input rows under its
// window, shared by depthwise_conv2d_s8 (rows read where they are) and inverted_residual_rows_s8
// (rows from its ring of expanded rows), so both compute the same int8 values.
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

// Channels accumulated together: NHWC keeps them adjacent, so the inner loop runs over
// contiguous bytes of input and filter; the accumulators live on the stack (no scratch).
inline constexpr int32_t kDepthwiseChannelBlock = 16;

// `window_rows[ky]` for ky in [rows.begin, rows.end) (the kernel rows inside the input) points at
// input column 0 of that row; `out` receives output_w x channels values.
inline void depthwise_row_s8(const ConvStage& depthwise, const int8_t* const* window_rows,
                             const WindowSpan& rows, int32_t input_w, int32_t output_w,
                             int32_t channels, int8_t* out) {
  const ConvParams& params = depthwise.params;
  const int32_t kernel_w = depthwise.filter_shape.w;
  // Read once: the int8 stores to `out` may alias anything, so fields read inside the loops
  // would be reloaded after every store.
  const int32_t input_offset = params.input_offset;
  const int8_t* const filter = depthwise.filter;
  const int32_t* const bias = depthwise.bias;
  for (int32_t out_x = 0; out_x < output_w; ++out_x) {
    const WindowSpan cols = window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_w);
    for (int32_t c0 = 0; c0 < channels; c0 += kDepthwiseChannelBlock) {
      const int32_t block = min_i32(kDepthwiseChannelBlock, channels - c0);
      int32_t acc[kDepthwiseChannelBlock];
      for (int32_t j = 0; j < block; ++j) {
        acc[j] = bias != nullptr ? bias[c0 + j] : 0;
      }
      for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
        for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
          const int8_t* in = window_rows[ky] + (cols.origin + kx) * channels + c0;
          const int8_t* taps = filter + (ky * kernel_w + kx) * channels + c0;
          for (int32_t j = 0; j < block; ++j) {
            acc[j] += (static_cast<int32_t>(in[j]) + input_offset) * static_cast<int32_t>(taps[j]);
          }
        }
      }
      for (int32_t j = 0; j < block; ++j) {
        const int32_t c = c0 + j;
        const int32_t scaled = multiply_by_quantized_multiplier(
            acc[j], depthwise.quant.multiplier[c], depthwise.quant.shift[c]);
        out[c] = static_cast<int8_t>(
            clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
      }
    }
    out += channels;
  }
}

}  // namespace tinynas::runtime
