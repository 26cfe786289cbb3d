// Concatenation along C (TFLite CONCATENATION int8): each output pixel is the inputs' pixels one
// after the other. An input with the output's zero point is copied byte for byte, as TFLite does
// (TFLite requires every int8 input to share the output's quantization); any other input is
// requantized with requantize_s8's arithmetic, as a TFLite QUANTIZE in front of it would.
#include "engine/runtime/kernels.h"

namespace tinynas::runtime {

void concatenation_s8(const ConcatInput* inputs, int32_t input_count, int32_t pixels,
                      int32_t output_channels, int8_t* output) {
  int32_t channel_offset = 0;
  for (int32_t k = 0; k < input_count; ++k) {
    const ConcatInput& input = inputs[k];
    const int8_t* in = input.data;
    int8_t* out = output + channel_offset;
    for (int32_t p = 0; p < pixels; ++p) {
      if (input.requantize) {
        requantize_s8(input.requant, in, out, input.channels);
      } else {
        for (int32_t c = 0; c < input.channels; ++c) out[c] = in[c];
      }
      in += input.channels;
      out += output_channels;
    }
    channel_offset += input.channels;
  }
}

}  // namespace tinynas::runtime
