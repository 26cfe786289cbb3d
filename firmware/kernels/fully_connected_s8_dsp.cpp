// Fully connected, DSP path (replaces engine/runtime/fully_connected_s8.cpp in Cortex-M4/M7
// images): the input row against 2 weight rows at a time, 4 elements per SMLAD pair, the input
// offset folded in as input_offset * sum(w) (dot_product_dsp.h). Bit-exact with the plain kernel.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "firmware/kernels/dot_product_dsp.h"

namespace tinynas::runtime {

namespace {

int8_t requantize(int32_t acc, const ConvParams& params, const PerChannelQuantization& quant,
                  int32_t channel) {
  const int32_t scaled =
      multiply_by_quantized_multiplier(acc, quant.multiplier[channel], quant.shift[channel]);
  return static_cast<int8_t>(
      clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
}

int32_t start_value(const ConvParams& params, const int32_t* bias, const int8_t* weights,
                    int32_t depth, int32_t row) {
  const int32_t base = bias != nullptr ? bias[row] : 0;
  return static_cast<int32_t>(static_cast<uint32_t>(base) +
                              static_cast<uint32_t>(params.input_offset) *
                                  static_cast<uint32_t>(firmware::dsp::row_sum(weights, depth)));
}

}  // namespace

void fully_connected_s8(const ConvParams& params, const PerChannelQuantization& quant,
                        const Shape& /*input_shape*/, const int8_t* input,
                        const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                        const Shape& /*output_shape*/, int8_t* output) {
  const int32_t output_count = filter_shape.n;  // a local: the int8 stores may alias the shape
  const int32_t depth = fully_connected_depth(filter_shape);
  int32_t o = 0;
  for (; o + 2 <= output_count; o += 2) {
    const int8_t* w0 = filter + o * depth;
    const int8_t* w1 = w0 + depth;
    int32_t acc0 = start_value(params, bias, w0, depth, o);
    int32_t acc1 = start_value(params, bias, w1, depth, o + 1);
    firmware::dsp::dot_1x2(input, w0, w1, depth, acc0, acc1);
    output[o] = requantize(acc0, params, quant, o);
    output[o + 1] = requantize(acc1, params, quant, o + 1);
  }
  if (o < output_count) {
    const int8_t* w = filter + o * depth;
    const int32_t acc =
        firmware::dsp::dot_1x1(input, w, depth, start_value(params, bias, w, depth, o));
    output[o] = requantize(acc, params, quant, o);
  }
}

}  // namespace tinynas::runtime
