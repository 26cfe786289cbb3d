// Depthwise kh x kw int8 convolution (any depth multiplier), output in its own buffer, no scratch.
#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernels.h"

namespace tinynas::runtime {

void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output) {
  depthwise_rows_s8(params, quant, input_shape, input, filter_shape, filter, bias, output_shape,
                    output);
}

int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& /*input_shape*/,
                                            const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
