// Depthwise convolution, DSP path (replaces engine/runtime/depthwise_conv2d_s8.cpp in
// Cortex-M4/M7 images). Groups of 4 channels (depthwise_dsp.h) outermost, so a group's unpacked
// taps, start values and requantization constants are computed once and reused for every output
// pixel; the remaining channels (C % 4) run the plain per-channel loop. Padded taps are skipped
// by clipping the window, exactly like the plain kernel. Bit-exact with it.
//
// With a depth multiplier m > 1 output channel o reads input channel o / m, so a group's 4 output
// channels are not the 4 bytes of one input word: their lanes are built from single input bytes
// (one byte for all four when m is a multiple of 4), against the same unpacked taps.
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/depthwise_3x3_dsp.h"
#include "firmware/kernels/depthwise_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;

// One output channel c the plain way (the C_out % 4 leftovers); it reads input channel
// c / multiplier.
void depthwise_channel(const ConvParams& params, const dsp::ChannelRequant& requant,
                       const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                       const int8_t* filter, int32_t channel_bias, const Shape& output_shape,
                       int8_t* output, int32_t c) {
  const int32_t in_channels = input_shape.c;
  const int32_t out_channels = output_shape.c;
  const int32_t in_c = c / (out_channels / in_channels);
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
              ((rows.origin + ky) * input_shape.w + cols.origin + kx) * in_channels + in_c;
          acc += (static_cast<int32_t>(input[in_index]) + params.input_offset) *
                 static_cast<int32_t>(filter[(ky * kernel_w + kx) * out_channels + c]);
        }
      }
      *out = dsp::requantize_one(acc, requant, params);
      out += out_channels;
    }
  }
}

// A group's 4 output channels under a depth multiplier > 1: lane j reads input channel
// input_channel[j] of each pixel (rows[] point at channel 0). kShared: all four read one channel
// (the multiplier is a multiple of 4), so one byte feeds every lane.
template <bool kShared>
struct MultipliedChannels {
  int32_t input_channel[dsp::kGroupChannels];
  int32_t input_offset;

  template <bool kAddOffset>
  void accumulate(const int8_t* const* rows, int32_t pixel_stride, const dsp::TapPair* taps,
                  int32_t kernel_w, const dsp::Window& win, int16x2_t /*offset2*/,
                  dsp::Acc4& acc) const {
    const int32_t offset = kAddOffset ? input_offset : 0;
    const int32_t columns = win.kx_end - win.kx_begin;
    int32_t a0 = acc.c0, a1 = acc.c1, a2 = acc.c2, a3 = acc.c3;
    for (int32_t ky = win.ky_begin; ky < win.ky_end; ++ky) {
      const int8_t* in = rows[ky] + (win.in_x_origin + win.kx_begin) * pixel_stride;
      const dsp::TapPair* tap = taps + ky * kernel_w + win.kx_begin;
      const dsp::TapPair* const tap_end = tap + columns;
      for (; tap != tap_end; ++tap) {
        int16x2_t x_even, x_odd;
        if (kShared) {
          const int32_t x = in[input_channel[0]] + offset;
          x_even = x_odd = dsp::pack_pair(x, x);
        } else {
          x_even = dsp::pack_pair(in[input_channel[0]] + offset, in[input_channel[2]] + offset);
          x_odd = dsp::pack_pair(in[input_channel[1]] + offset, in[input_channel[3]] + offset);
        }
        in += pixel_stride;
        a0 = dsp::smlabb(x_even, tap->even, a0);
        a2 = dsp::smlatt(x_even, tap->even, a2);
        a1 = dsp::smlabb(x_odd, tap->odd, a1);
        a3 = dsp::smlatt(x_odd, tap->odd, a3);
      }
    }
    acc = dsp::Acc4{a0, a1, a2, a3};
  }
};

// Every whole 4-channel group of the output; returns the first channel left over.
template <typename GroupChannels>
int32_t depthwise_groups(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output, GroupChannels group_channels) {
  const int32_t in_channels = input_shape.c;
  const int32_t out_channels = output_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t input_row_bytes = input_shape.w * in_channels;
  const int32_t output_row_bytes = output_shape.w * out_channels;
  const dsp::ActivationRange4 range = dsp::activation_range4(params);

  dsp::DepthwiseGroup group;
  const int8_t* rows[kMaxKernelSize];
  int32_t c = 0;
  for (; c + dsp::kGroupChannels <= out_channels; c += dsp::kGroupChannels) {
    dsp::load_depthwise_group(params, quant, filter, bias, kernel_h * kernel_w, out_channels, c,
                              group);
    const int8_t* group_input = group_channels.first_input(input, c);
    const auto channels = group_channels.lanes(c);
    for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
      const WindowSpan window =
          window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
      for (int32_t ky = window.begin; ky < window.end; ++ky) {
        rows[ky] = group_input + (window.origin + ky) * input_row_bytes;
      }
      dsp::depthwise_group_row(params, group, rows, in_channels, window.begin, window.end, kernel_h,
                               kernel_w, input_shape.w, output_shape.w,
                               output + out_y * output_row_bytes + c, out_channels, range,
                               channels);
    }
  }
  return c;
}

// Every whole 4-channel group of a 3x3 layer with depth multiplier 1 and stride 1 or 2
// (depthwise_3x3_dsp.h); returns the first channel left over.
int32_t depthwise_3x3_groups(const ConvParams& params, const PerChannelQuantization& quant,
                             const Shape& input_shape, const int8_t* input, const int8_t* filter,
                             const int32_t* bias, const Shape& output_shape, int8_t* output) {
  const int32_t channels = output_shape.c;
  const int32_t input_row_bytes = input_shape.w * channels;
  const int32_t output_row_bytes = output_shape.w * channels;
  const dsp::ActivationRange4 range = dsp::activation_range4(params);
  dsp::Depthwise3x3Group group;
  const int8_t* rows[dsp::k3x3Kernel];
  int32_t c = 0;
  for (; c + dsp::kGroupChannels <= channels; c += dsp::kGroupChannels) {
    dsp::load_depthwise_3x3_group(params, quant, filter, bias, channels, c, group);
    for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
      const WindowSpan window =
          window_span(out_y, params.stride_h, params.pad_top, dsp::k3x3Kernel, input_shape.h);
      for (int32_t ky = window.begin; ky < window.end; ++ky) {
        rows[ky] = input + c + (window.origin + ky) * input_row_bytes;
      }
      dsp::depthwise_3x3_group_row(params, group, rows, channels, window.begin, window.end,
                                   input_shape.w, output_shape.w,
                                   output + out_y * output_row_bytes + c, channels, range);
    }
  }
  return c;
}

// Depth multiplier 1: the group's input is the 4 bytes at channel c.
struct AdjacentGroups {
  const int8_t* first_input(const int8_t* input, int32_t c) const { return input + c; }
  dsp::AdjacentChannels lanes(int32_t /*c*/) const { return {}; }
};

// Depth multiplier m > 1: lane j of group c reads input channel (c + j) / m.
template <bool kShared>
struct MultipliedGroups {
  int32_t multiplier;
  int32_t input_offset;
  const int8_t* first_input(const int8_t* input, int32_t /*c*/) const { return input; }
  MultipliedChannels<kShared> lanes(int32_t c) const {
    MultipliedChannels<kShared> channels{};
    for (int32_t j = 0; j < dsp::kGroupChannels; ++j) {
      channels.input_channel[j] = (c + j) / multiplier;
    }
    channels.input_offset = input_offset;
    return channels;
  }
};

}  // namespace

void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output) {
  const int32_t multiplier = output_shape.c / input_shape.c;
  int32_t c = 0;
  if (dsp::depthwise_3x3_applies(params, input_shape, filter_shape, output_shape)) {
    c = depthwise_3x3_groups(params, quant, input_shape, input, filter, bias, output_shape, output);
  } else if (multiplier == 1) {
    c = depthwise_groups(params, quant, input_shape, input, filter_shape, filter, bias,
                         output_shape, output, AdjacentGroups{});
  } else if (multiplier % dsp::kGroupChannels == 0) {
    c = depthwise_groups(params, quant, input_shape, input, filter_shape, filter, bias,
                         output_shape, output,
                         MultipliedGroups<true>{multiplier, params.input_offset});
  } else {
    c = depthwise_groups(params, quant, input_shape, input, filter_shape, filter, bias,
                         output_shape, output,
                         MultipliedGroups<false>{multiplier, params.input_offset});
  }
  for (; c < output_shape.c; ++c) {
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
