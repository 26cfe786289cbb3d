// Depthwise convolution, DSP path (replaces engine/runtime/depthwise_conv2d_s8.cpp in
// Cortex-M4/M7 images). Channels are adjacent in NHWC, so one word holds 4 channels of a tap;
// SXTB16 splits input and weights into even/odd channel pairs and SMLABB/SMLATT accumulate each
// channel separately (a depthwise product must not be summed across channels, so SMLAD does not
// apply). Padded taps are skipped by clipping the window, exactly like the plain kernel.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"
#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::runtime {

namespace {

constexpr int32_t kChannelsPerWord = 4;

int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

int8_t requantize(int32_t acc, const ConvParams& params, const PerChannelQuantization& quant,
                  int32_t channel) {
  const int32_t scaled =
      multiply_by_quantized_multiplier(acc, quant.multiplier[channel], quant.shift[channel]);
  return static_cast<int8_t>(
      clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
}

struct Window {
  int32_t in_y_origin, in_x_origin;
  int32_t ky_begin, ky_end, kx_begin, kx_end;
};

}  // namespace

void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output) {
  const int32_t input_h = input_shape.h;
  const int32_t input_w = input_shape.w;
  const int32_t channels = input_shape.c;
  const int32_t kernel_w = filter_shape.w;
  const int32_t input_offset = params.input_offset;
  const int16x2_t offset2 = firmware::dsp::splat_offset(input_offset);

  int8_t* out = output;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    Window win;
    win.in_y_origin = out_y * params.stride_h - params.pad_top;
    win.ky_begin = max_i32(0, -win.in_y_origin);
    win.ky_end = min_i32(filter_shape.h, input_h - win.in_y_origin);
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      win.in_x_origin = out_x * params.stride_w - params.pad_left;
      win.kx_begin = max_i32(0, -win.in_x_origin);
      win.kx_end = min_i32(kernel_w, input_w - win.in_x_origin);
      int32_t c = 0;
      for (; c + kChannelsPerWord <= channels; c += kChannelsPerWord) {
        int32_t acc0 = bias != nullptr ? bias[c] : 0;
        int32_t acc1 = bias != nullptr ? bias[c + 1] : 0;
        int32_t acc2 = bias != nullptr ? bias[c + 2] : 0;
        int32_t acc3 = bias != nullptr ? bias[c + 3] : 0;
        for (int32_t ky = win.ky_begin; ky < win.ky_end; ++ky) {
          const int8_t* in_row =
              input + ((win.in_y_origin + ky) * input_w + win.in_x_origin) * channels + c;
          const int8_t* tap_row = filter + ky * kernel_w * channels + c;
          for (int32_t kx = win.kx_begin; kx < win.kx_end; ++kx) {
            const int8x4_t in_word = firmware::dsp::load_int8x4(in_row + kx * channels);
            const int8x4_t w_word = firmware::dsp::load_int8x4(tap_row + kx * channels);
            const int16x2_t in_even = __sadd16(firmware::dsp::even_pair(in_word), offset2);
            const int16x2_t in_odd = __sadd16(firmware::dsp::odd_pair(in_word), offset2);
            const int16x2_t w_even = firmware::dsp::even_pair(w_word);
            const int16x2_t w_odd = firmware::dsp::odd_pair(w_word);
            acc0 = firmware::dsp::smlabb(in_even, w_even, acc0);  // channel c
            acc2 = firmware::dsp::smlatt(in_even, w_even, acc2);  // channel c + 2
            acc1 = firmware::dsp::smlabb(in_odd, w_odd, acc1);    // channel c + 1
            acc3 = firmware::dsp::smlatt(in_odd, w_odd, acc3);    // channel c + 3
          }
        }
        out[c] = requantize(acc0, params, quant, c);
        out[c + 1] = requantize(acc1, params, quant, c + 1);
        out[c + 2] = requantize(acc2, params, quant, c + 2);
        out[c + 3] = requantize(acc3, params, quant, c + 3);
      }
      for (; c < channels; ++c) {
        int32_t acc = bias != nullptr ? bias[c] : 0;
        for (int32_t ky = win.ky_begin; ky < win.ky_end; ++ky) {
          for (int32_t kx = win.kx_begin; kx < win.kx_end; ++kx) {
            const int32_t in_index =
                ((win.in_y_origin + ky) * input_w + win.in_x_origin + kx) * channels + c;
            const int32_t tap_index = (ky * kernel_w + kx) * channels + c;
            acc += (static_cast<int32_t>(input[in_index]) + input_offset) *
                   static_cast<int32_t>(filter[tap_index]);
          }
        }
        out[c] = requantize(acc, params, quant, c);
      }
      out += channels;
    }
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& /*input_shape*/,
                                            const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
