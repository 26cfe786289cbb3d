// Pointwise 1x1 convolution, DSP path (replaces engine/runtime/conv2d_1x1_s8.cpp in Cortex-M4/M7
// images). Output channels in pairs (outer), pixels in pairs (inner): each pair of weight rows
// gets its offset term bias + input_offset * sum(w) once and is then reused for every pixel
// pair with the 2x2 SMLAD block. Bit-exact with the plain kernel (dot_product_dsp.h).
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

// Accumulator start value of one output channel: bias + input_offset * sum of its weights.
int32_t start_value(const ConvParams& params, const int32_t* bias, const int8_t* weights,
                    int32_t depth, int32_t channel) {
  const int32_t base = bias != nullptr ? bias[channel] : 0;
  return static_cast<int32_t>(static_cast<uint32_t>(base) +
                              static_cast<uint32_t>(params.input_offset) *
                                  static_cast<uint32_t>(firmware::dsp::row_sum(weights, depth)));
}

}  // namespace

void conv2d_1x1_s8(const ConvParams& params, const PerChannelQuantization& quant,
                   const Shape& input_shape, const int8_t* input, const Shape& /*filter_shape*/,
                   const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                   int8_t* output) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  int32_t oc = 0;
  for (; oc + 2 <= output_c; oc += 2) {
    const int8_t* w0 = filter + oc * input_c;
    const int8_t* w1 = w0 + input_c;
    const int32_t start0 = start_value(params, bias, w0, input_c, oc);
    const int32_t start1 = start_value(params, bias, w1, input_c, oc + 1);
    int32_t p = 0;
    for (; p + 2 <= pixels; p += 2) {
      const int8_t* x0 = input + p * input_c;
      firmware::dsp::Block2x2 acc{start0, start1, start0, start1};
      firmware::dsp::dot_2x2(x0, x0 + input_c, w0, w1, input_c, acc);
      int8_t* out0 = output + p * output_c + oc;
      int8_t* out1 = out0 + output_c;
      out0[0] = requantize(acc.r0c0, params, quant, oc);
      out0[1] = requantize(acc.r0c1, params, quant, oc + 1);
      out1[0] = requantize(acc.r1c0, params, quant, oc);
      out1[1] = requantize(acc.r1c1, params, quant, oc + 1);
    }
    if (p < pixels) {
      int32_t acc0 = start0, acc1 = start1;
      firmware::dsp::dot_1x2(input + p * input_c, w0, w1, input_c, acc0, acc1);
      output[p * output_c + oc] = requantize(acc0, params, quant, oc);
      output[p * output_c + oc + 1] = requantize(acc1, params, quant, oc + 1);
    }
  }
  if (oc < output_c) {
    const int8_t* w = filter + oc * input_c;
    const int32_t start = start_value(params, bias, w, input_c, oc);
    for (int32_t p = 0; p < pixels; ++p) {
      const int32_t acc = firmware::dsp::dot_1x1(input + p * input_c, w, input_c, start);
      output[p * output_c + oc] = requantize(acc, params, quant, oc);
    }
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t conv2d_1x1_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
