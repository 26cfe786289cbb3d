// One output row of a depthwise convolution from the input rows under its window, shared by
// depthwise_conv2d_s8 (rows read where they are: depthwise_rows_s8 below) and
// inverted_residual_rows_s8 (rows from its ring of expanded rows), so both compute the same int8
// values.
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

// Channels accumulated together: NHWC keeps them adjacent, so the inner loop runs over
// contiguous bytes of input and filter; the accumulators live on the stack (no scratch).
inline constexpr int32_t kDepthwiseChannelBlock = 16;

namespace detail {

// kUnitMultiplier: output channel c reads input channel c (depth multiplier 1, contiguous bytes);
// otherwise input channel c / multiplier.
template <bool kUnitMultiplier>
void depthwise_row(const ConvStage& depthwise, const int8_t* const* window_rows,
                   const WindowSpan& rows, int32_t input_w, int32_t output_w,
                   int32_t input_channels, int32_t output_channels, int8_t* out) {
  const ConvParams& params = depthwise.params;
  const int32_t kernel_w = depthwise.filter_shape.w;
  // Read once: the int8 stores to `out` may alias anything, so fields read inside the loops
  // would be reloaded after every store.
  const int32_t input_offset = params.input_offset;
  const int8_t* const filter = depthwise.filter;
  const int32_t* const bias = depthwise.bias;
  const int32_t multiplier = output_channels / input_channels;
  for (int32_t out_x = 0; out_x < output_w; ++out_x) {
    const WindowSpan cols = window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_w);
    for (int32_t c0 = 0; c0 < output_channels; c0 += kDepthwiseChannelBlock) {
      const int32_t block = min_i32(kDepthwiseChannelBlock, output_channels - c0);
      int32_t acc[kDepthwiseChannelBlock];
      for (int32_t j = 0; j < block; ++j) {
        acc[j] = bias != nullptr ? bias[c0 + j] : 0;
      }
      for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
        for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
          const int8_t* pixel = window_rows[ky] + (cols.origin + kx) * input_channels;
          const int8_t* taps = filter + (ky * kernel_w + kx) * output_channels + c0;
          if (kUnitMultiplier) {
            const int8_t* in = pixel + c0;
            for (int32_t j = 0; j < block; ++j) {
              acc[j] +=
                  (static_cast<int32_t>(in[j]) + input_offset) * static_cast<int32_t>(taps[j]);
            }
          } else {
            for (int32_t j = 0; j < block; ++j) {
              acc[j] += (static_cast<int32_t>(pixel[(c0 + j) / multiplier]) + input_offset) *
                        static_cast<int32_t>(taps[j]);
            }
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
    out += output_channels;
  }
}

}  // namespace detail

// `window_rows[ky]` for ky in [rows.begin, rows.end) (the kernel rows inside the input) points at
// input column 0 of that row; `out` receives output_w x output_channels values. The depth
// multiplier is output_channels / input_channels.
inline void depthwise_row_s8(const ConvStage& depthwise, const int8_t* const* window_rows,
                             const WindowSpan& rows, int32_t input_w, int32_t output_w,
                             int32_t input_channels, int32_t output_channels, int8_t* out) {
  if (input_channels == output_channels) {
    detail::depthwise_row<true>(depthwise, window_rows, rows, input_w, output_w, input_channels,
                                output_channels, out);
  } else {
    detail::depthwise_row<false>(depthwise, window_rows, rows, input_w, output_w, input_channels,
                                 output_channels, out);
  }
}

// The whole out-of-place depthwise convolution (depthwise_conv2d_s8's contract), row by row.
inline void depthwise_rows_s8(const ConvParams& params, const PerChannelQuantization& quant,
                              const Shape& input_shape, const int8_t* input,
                              const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                              const Shape& output_shape, int8_t* output) {
  const ConvStage depthwise{params, quant, filter_shape, filter, bias};
  const int32_t input_row_bytes = input_shape.w * input_shape.c;
  const int32_t output_row_bytes = output_shape.w * output_shape.c;
  const int8_t* window_rows[kMaxKernelSize];
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, filter_shape.h, input_shape.h);
    for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
      window_rows[ky] = input + (rows.origin + ky) * input_row_bytes;
    }
    depthwise_row_s8(depthwise, window_rows, rows, input_shape.w, output_shape.w, input_shape.c,
                     output_shape.c, output + out_y * output_row_bytes);
  }
}

}  // namespace tinynas::runtime
