// Pointwise 1x1 convolution, DSP path (replaces engine/runtime/conv2d_1x1_s8.cpp in Cortex-M4/M7
// images): 2 pixels x 2 output channels per block, 4 input channels per SMLAD pair. Bit-exact
// with the plain kernel: same int32 accumulators, same requantization.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "firmware/kernels/dot_product_dsp.h"

namespace tinynas::runtime {

namespace {

constexpr int kPixelBlock = 2;
constexpr int kChannelBlock = 2;

int8_t requantize(int32_t acc, const ConvParams& params, const PerChannelQuantization& quant,
                  int32_t channel) {
  const int32_t scaled =
      multiply_by_quantized_multiplier(acc, quant.multiplier[channel], quant.shift[channel]);
  return static_cast<int8_t>(
      clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
}

// One block of R pixels (rows of `input`) against every output channel.
template <int R>
void pixel_block(const ConvParams& params, const PerChannelQuantization& quant,
                 const int8_t* const (&in)[R], int32_t input_c, const int8_t* filter,
                 const int32_t* bias, int32_t output_c, int8_t* const (&out)[R]) {
  int32_t oc = 0;
  for (; oc + kChannelBlock <= output_c; oc += kChannelBlock) {
    const int8_t* const w[kChannelBlock] = {filter + oc * input_c, filter + (oc + 1) * input_c};
    int32_t acc[R][kChannelBlock];
    for (int r = 0; r < R; ++r) {
      for (int o = 0; o < kChannelBlock; ++o) acc[r][o] = bias != nullptr ? bias[oc + o] : 0;
    }
    firmware::dsp::dot_block<R, kChannelBlock>(in, w, input_c, params.input_offset, acc);
    for (int r = 0; r < R; ++r) {
      for (int o = 0; o < kChannelBlock; ++o)
        out[r][oc + o] = requantize(acc[r][o], params, quant, oc + o);
    }
  }
  for (; oc < output_c; ++oc) {
    const int8_t* const w[1] = {filter + oc * input_c};
    int32_t acc[R][1];
    for (int r = 0; r < R; ++r) acc[r][0] = bias != nullptr ? bias[oc] : 0;
    firmware::dsp::dot_block<R, 1>(in, w, input_c, params.input_offset, acc);
    for (int r = 0; r < R; ++r) out[r][oc] = requantize(acc[r][0], params, quant, oc);
  }
}

}  // namespace

void conv2d_1x1_s8(const ConvParams& params, const PerChannelQuantization& quant,
                   const Shape& input_shape, const int8_t* input, const Shape& /*filter_shape*/,
                   const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                   int8_t* output) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  int32_t p = 0;
  for (; p + kPixelBlock <= pixels; p += kPixelBlock) {
    const int8_t* const in[kPixelBlock] = {input + p * input_c, input + (p + 1) * input_c};
    int8_t* const out[kPixelBlock] = {output + p * output_c, output + (p + 1) * output_c};
    pixel_block<kPixelBlock>(params, quant, in, input_c, filter, bias, output_c, out);
  }
  if (p < pixels) {
    const int8_t* const in[1] = {input + p * input_c};
    int8_t* const out[1] = {output + p * output_c};
    pixel_block<1>(params, quant, in, input_c, filter, bias, output_c, out);
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t conv2d_1x1_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
