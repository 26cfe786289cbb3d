// Fully connected, DSP path (replaces engine/runtime/fully_connected_s8.cpp in Cortex-M4/M7
// images): one input row against 2 weight rows at a time, 4 elements per SMLAD pair.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "firmware/kernels/dot_product_dsp.h"

namespace tinynas::runtime {

namespace {
constexpr int kRowBlock = 2;

int8_t requantize(int32_t acc, const ConvParams& params, const PerChannelQuantization& quant,
                  int32_t channel) {
  const int32_t scaled =
      multiply_by_quantized_multiplier(acc, quant.multiplier[channel], quant.shift[channel]);
  return static_cast<int8_t>(
      clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
}
}  // namespace

void fully_connected_s8(const ConvParams& params, const PerChannelQuantization& quant,
                        const Shape& /*input_shape*/, const int8_t* input,
                        const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                        const Shape& /*output_shape*/, int8_t* output) {
  const int32_t output_count = filter_shape.n;
  const int32_t depth = filter_shape.h * filter_shape.w * filter_shape.c;
  const int8_t* const in[1] = {input};
  int32_t o = 0;
  for (; o + kRowBlock <= output_count; o += kRowBlock) {
    const int8_t* const w[kRowBlock] = {filter + o * depth, filter + (o + 1) * depth};
    int32_t acc[1][kRowBlock] = {
        {bias != nullptr ? bias[o] : 0, bias != nullptr ? bias[o + 1] : 0}};
    firmware::dsp::dot_block<1, kRowBlock>(in, w, depth, params.input_offset, acc);
    output[o] = requantize(acc[0][0], params, quant, o);
    output[o + 1] = requantize(acc[0][1], params, quant, o + 1);
  }
  if (o < output_count) {
    const int8_t* const w[1] = {filter + o * depth};
    int32_t acc[1][1] = {{bias != nullptr ? bias[o] : 0}};
    firmware::dsp::dot_block<1, 1>(in, w, depth, params.input_offset, acc);
    output[o] = requantize(acc[0][0], params, quant, o);
  }
}

}  // namespace tinynas::runtime
