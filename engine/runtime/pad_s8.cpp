// Constant padding of H and W (TFLite PAD int8): the output is filled with the pad value (the zero
// point) and the input rows are copied to their place inside it.
#include "engine/runtime/kernels.h"

namespace tinynas::runtime {

void pad_s8(const PadParams& params, const Shape& input_shape, const int8_t* input,
            const Shape& output_shape, int8_t* output) {
  const int32_t channels = output_shape.c;
  const int32_t output_row_bytes = output_shape.w * channels;
  const int32_t input_row_bytes = input_shape.w * channels;
  const int8_t value = static_cast<int8_t>(params.pad_value);
  for (int32_t y = 0; y < output_shape.h; ++y) {
    int8_t* out = output + y * output_row_bytes;
    const int32_t in_y = y - params.pad_top;
    if (in_y < 0 || in_y >= input_shape.h) {
      for (int32_t b = 0; b < output_row_bytes; ++b) out[b] = value;
      continue;
    }
    const int32_t left_bytes = params.pad_left * channels;
    for (int32_t b = 0; b < left_bytes; ++b) out[b] = value;
    const int8_t* in = input + in_y * input_row_bytes;
    for (int32_t b = 0; b < input_row_bytes; ++b) out[left_bytes + b] = in[b];
    for (int32_t b = left_bytes + input_row_bytes; b < output_row_bytes; ++b) out[b] = value;
  }
}

}  // namespace tinynas::runtime
