// Depthwise k x k int8 convolution, depth multiplier 1, output in its own buffer, no scratch.
#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"

namespace tinynas::runtime {

void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output) {
  const ConvStage depthwise{params, quant, filter_shape, filter, bias};
  const int32_t channels = input_shape.c;
  const int32_t input_row_bytes = input_shape.w * channels;
  const int32_t output_row_bytes = output_shape.w * channels;
  const int8_t* window_rows[kMaxKernelSize];
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, filter_shape.h, input_shape.h);
    for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
      window_rows[ky] = input + (rows.origin + ky) * input_row_bytes;
    }
    depthwise_row_s8(depthwise, window_rows, rows, input_shape.w, output_shape.w, channels,
                     output + out_y * output_row_bytes);
  }
}

int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& /*input_shape*/,
                                            const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
