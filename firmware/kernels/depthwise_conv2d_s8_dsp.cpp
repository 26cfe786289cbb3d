// Depthwise convolution, DSP path (replaces engine/runtime/depthwise_conv2d_s8.cpp in
// Cortex-M4/M7 images). Groups of 4 channels (depthwise_dsp.h) outermost, so a group's unpacked
// taps, start values and requantization constants are computed once and reused for every output
// pixel; the remaining channels (C % 4) run the plain per-channel loop. Padded taps are skipped
// by clipping the window, exactly like the plain kernel. Bit-exact with it.
//
// A depth multiplier > 1 runs the plain kernel's rows (depthwise_row.h): a group's 4 output
// channels would read input channels c / multiplier, not the 4 bytes of one input word that the
// group's SXTB16 split relies on.
#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/depthwise_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;

// One channel the plain way (the C % 4 leftovers).
void depthwise_channel(const ConvParams& params, const dsp::ChannelRequant& requant,
                       const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                       const int8_t* filter, int32_t channel_bias, const Shape& output_shape,
                       int8_t* output, int32_t c) {
  const int32_t channels = input_shape.c;
  const int32_t kernel_w = filter_shape.w;
  int8_t* out = output + c;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, filter_shape.h, input_shape.h);
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w);
      int32_t acc = channel_bias;
      for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
        for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
          const int32_t in_index =
              ((rows.origin + ky) * input_shape.w + cols.origin + kx) * channels + c;
          acc += (static_cast<int32_t>(input[in_index]) + params.input_offset) *
                 static_cast<int32_t>(filter[(ky * kernel_w + kx) * channels + c]);
        }
      }
      *out = dsp::requantize_one(acc, requant, params);
      out += channels;
    }
  }
}

}  // namespace

void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output) {
  if (output_shape.c != input_shape.c) {
    depthwise_rows_s8(params, quant, input_shape, input, filter_shape, filter, bias, output_shape,
                      output);
    return;
  }
  const int32_t channels = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t input_row_bytes = input_shape.w * channels;
  const int32_t output_row_bytes = output_shape.w * channels;
  const dsp::ActivationRange4 range = dsp::activation_range4(params);

  dsp::DepthwiseGroup group;
  const int8_t* rows[kMaxKernelSize];
  int32_t c = 0;
  for (; c + dsp::kGroupChannels <= channels; c += dsp::kGroupChannels) {
    dsp::load_depthwise_group(params, quant, filter, bias, kernel_h * kernel_w, channels, c, group);
    for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
      const WindowSpan window =
          window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
      for (int32_t ky = window.begin; ky < window.end; ++ky) {
        rows[ky] = input + (window.origin + ky) * input_row_bytes + c;
      }
      dsp::depthwise_group_row(params, group, rows, channels, window.begin, window.end, kernel_h,
                               kernel_w, input_shape.w, output_shape.w,
                               output + out_y * output_row_bytes + c, channels, range);
    }
  }
  for (; c < channels; ++c) {
    depthwise_channel(params, dsp::channel_requant(quant, c), input_shape, input, filter_shape,
                      filter, dsp::bias_or_zero(bias, c), output_shape, output, c);
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& /*input_shape*/,
                                            const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
