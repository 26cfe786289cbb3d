// General k x k int8 convolution (TFLite CONV_2D int8 arithmetic), plain loops and no scratch.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

void conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
               const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
               const int8_t* filter, const int32_t* bias, const Shape& output_shape,
               int8_t* output) {
  const int32_t input_h = input_shape.h;
  const int32_t input_w = input_shape.w;
  const int32_t input_c = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_h = output_shape.h;
  const int32_t output_w = output_shape.w;
  const int32_t output_c = output_shape.c;
  const int32_t filter_row_stride = kernel_w * input_c;
  const int32_t filter_channel_stride = kernel_h * filter_row_stride;
  const int32_t input_row_stride = input_w * input_c;
  const int32_t input_offset = params.input_offset;

  int8_t* out = output;
  for (int32_t out_y = 0; out_y < output_h; ++out_y) {
    const WindowSpan rows = window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_h);
    for (int32_t out_x = 0; out_x < output_w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_w);
      // Within one kernel row the valid cells are consecutive pixels in the input and
      // consecutive taps in the OHWI filter: one contiguous span each.
      const int32_t span = (cols.end - cols.begin) * input_c;
      const int8_t* window_row0 = input + (rows.origin + rows.begin) * input_row_stride +
                                  (cols.origin + cols.begin) * input_c;
      const int32_t filter_window_start = rows.begin * filter_row_stride + cols.begin * input_c;
      for (int32_t oc = 0; oc < output_c; ++oc) {
        int32_t acc = bias != nullptr ? bias[oc] : 0;
        const int8_t* in_row = window_row0;
        const int8_t* filter_row = filter + oc * filter_channel_stride + filter_window_start;
        for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
          for (int32_t i = 0; i < span; ++i) {
            acc += (static_cast<int32_t>(in_row[i]) + input_offset) *
                   static_cast<int32_t>(filter_row[i]);
          }
          in_row += input_row_stride;
          filter_row += filter_row_stride;
        }
        const int32_t scaled =
            multiply_by_quantized_multiplier(acc, quant.multiplier[oc], quant.shift[oc]);
        out[oc] = static_cast<int8_t>(
            clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
      }
      out += output_c;
    }
  }
}

int32_t conv2d_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
