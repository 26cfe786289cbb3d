// Pointwise 1x1 int8 convolution, stride 1, no padding: every output pixel is the matrix product
// of its input pixel (Cin values) with the Cout x Cin filter. No scratch (no im2col needed).
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

struct Requantizer {
  const PerChannelQuantization& quant;
  const ConvParams& params;
  int8_t operator()(int32_t acc, int32_t channel) const {
    const int32_t scaled =
        multiply_by_quantized_multiplier(acc, quant.multiplier[channel], quant.shift[channel]);
    return static_cast<int8_t>(
        clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
  }
};

int32_t dot(const int8_t* in, const int8_t* weights, int32_t depth, int32_t input_offset,
            int32_t acc) {
  for (int32_t i = 0; i < depth; ++i) {
    acc += (static_cast<int32_t>(in[i]) + input_offset) * static_cast<int32_t>(weights[i]);
  }
  return acc;
}

}  // namespace

void conv2d_1x1_s8(const ConvParams& params, const PerChannelQuantization& quant,
                   const Shape& input_shape, const int8_t* input, const Shape& /*filter_shape*/,
                   const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                   int8_t* output) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  const int32_t input_offset = params.input_offset;
  const Requantizer requantize{quant, params};

  // Two pixels times two output channels per pass: each loaded input byte and weight feeds two
  // multiply-accumulates, which halves the loads of the plain dot-product loop.
  int32_t p = 0;
  for (; p + 1 < pixels; p += 2) {
    const int8_t* in0 = input + p * input_c;
    const int8_t* in1 = in0 + input_c;
    int8_t* out0 = output + p * output_c;
    int8_t* out1 = out0 + output_c;
    int32_t oc = 0;
    for (; oc + 1 < output_c; oc += 2) {
      const int8_t* w0 = filter + oc * input_c;
      const int8_t* w1 = w0 + input_c;
      const int32_t bias0 = bias != nullptr ? bias[oc] : 0;
      const int32_t bias1 = bias != nullptr ? bias[oc + 1] : 0;
      int32_t acc00 = bias0, acc01 = bias1, acc10 = bias0, acc11 = bias1;
      for (int32_t ic = 0; ic < input_c; ++ic) {
        const int32_t x0 = static_cast<int32_t>(in0[ic]) + input_offset;
        const int32_t x1 = static_cast<int32_t>(in1[ic]) + input_offset;
        const int32_t f0 = w0[ic];
        const int32_t f1 = w1[ic];
        acc00 += x0 * f0;
        acc01 += x0 * f1;
        acc10 += x1 * f0;
        acc11 += x1 * f1;
      }
      out0[oc] = requantize(acc00, oc);
      out0[oc + 1] = requantize(acc01, oc + 1);
      out1[oc] = requantize(acc10, oc);
      out1[oc + 1] = requantize(acc11, oc + 1);
    }
    if (oc < output_c) {  // odd channel count: the last channel alone
      const int8_t* w = filter + oc * input_c;
      const int32_t b = bias != nullptr ? bias[oc] : 0;
      out0[oc] = requantize(dot(in0, w, input_c, input_offset, b), oc);
      out1[oc] = requantize(dot(in1, w, input_c, input_offset, b), oc);
    }
  }
  if (p < pixels) {  // odd pixel count: the last pixel alone
    const int8_t* in = input + p * input_c;
    int8_t* out = output + p * output_c;
    for (int32_t oc = 0; oc < output_c; ++oc) {
      const int32_t b = bias != nullptr ? bias[oc] : 0;
      out[oc] = requantize(dot(in, filter + oc * input_c, input_c, input_offset, b), oc);
    }
  }
}

int32_t conv2d_1x1_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
