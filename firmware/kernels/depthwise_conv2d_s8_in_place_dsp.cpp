// In-place depthwise convolution, DSP path (replaces
// engine/runtime/depthwise_conv2d_s8_in_place.cpp in Cortex-M4/M7 images). Bit-exact with the plain
// kernel and with the same scratch contract (kernel_h * input_w bytes, the figure the memory
// planner used).
//
// The plain kernel works one channel at a time with a ring of kernel_h input rows of that
// channel in the scratch buffer; see its header comment for why no input byte is overwritten
// before it has been copied. That argument is per channel and holds unchanged for a group of 4
// adjacent channels: writing the group's output bytes (one word per pixel) only overwrites the
// group's own input bytes, and its rows are copied before they are damaged. So the DSP path
// processes 4 channels at a time with a ring of kernel_h rows x input_w pixels x 4 channels on
// the stack (one word per pixel, ready for SXTB16), and computes with the same 4-channel window
// code as the out-of-place kernel (depthwise_dsp.h). When that ring does not fit kRingBytes
// (very wide inputs), and for the C % 4 leftover channels, it runs the per-channel algorithm of
// the plain kernel with the caller's scratch.
// The windows and rings are computed here and in in_place_ring.h rather than with window_span.h
// (WindowSpan, RowRing), as in the plain kernel: those took 0.6% more cycles on mcunet-in3's
// in-place layers (qemu-mps2-an386, bench/firmware_macs_per_cycle).
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"
#include "firmware/kernels/depthwise_3x3_dsp.h"
#include "firmware/kernels/depthwise_dsp.h"
#include "firmware/kernels/in_place_ring.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;

// Stack bytes for the 4-channel ring: covers a 7-row kernel on 88-pixel-wide inputs and a 3-row
// kernel on 176-pixel-wide ones (MCUNet's first stages).
constexpr int32_t kRingBytes = 2560;

// The plain kernel's algorithm for channel c (the ring of one channel's rows is in `scratch`).
void in_place_channel(const ConvParams& params, const dsp::ChannelRequant& requant,
                      const firmware::InPlaceShape& s, const int8_t* filter, int32_t channel_bias,
                      int8_t* buffer, int8_t* scratch, int32_t c) {
  int8_t taps[kMaxKernelSize * kMaxKernelSize];
  const int8_t* window_rows[kMaxKernelSize];
  for (int32_t t = 0; t < s.kernel_h * s.kernel_w; ++t) taps[t] = filter[t * s.channels + c];
  int32_t next_row_to_copy = 0;
  for (int32_t out_y = 0; out_y < s.output_h; ++out_y) {
    const firmware::KernelRows rows =
        firmware::fill_ring(params, s, out_y, buffer + c, scratch, s.input_w, next_row_to_copy,
                            window_rows, [&s](int8_t* slot, const int8_t* src) {
                              for (int32_t x = 0; x < s.input_w; ++x) slot[x] = src[x * s.channels];
                            });
    const int32_t ky_begin = rows.begin;
    const int32_t ky_end = rows.end;
    int8_t* out = buffer + out_y * s.output_w * s.channels + c;
    for (int32_t out_x = 0; out_x < s.output_w; ++out_x) {
      const int32_t in_x_origin = out_x * params.stride_w - params.pad_left;
      const int32_t kx_begin = max_i32(0, -in_x_origin);
      const int32_t kx_end = min_i32(s.kernel_w, s.input_w - in_x_origin);
      int32_t acc = channel_bias;
      for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
        const int8_t* row = window_rows[ky] + in_x_origin;
        const int8_t* row_taps = taps + ky * s.kernel_w;
        for (int32_t kx = kx_begin; kx < kx_end; ++kx) {
          acc += (static_cast<int32_t>(row[kx]) + params.input_offset) *
                 static_cast<int32_t>(row_taps[kx]);
        }
      }
      *out = dsp::requantize_one(acc, requant, params);
      out += s.channels;
    }
  }
}

// One output row of a 4-channel group from the ring (depthwise_group_row's contract): the general
// window code, or the 3x3 path (depthwise_3x3_dsp.h) for the groups it loaded.
inline void group_row(const ConvParams& params, const dsp::DepthwiseGroup& group,
                      const firmware::InPlaceShape& s, const int8_t* const* window_rows,
                      int32_t ky_begin, int32_t ky_end, int8_t* out,
                      const dsp::ActivationRange4& range) {
  dsp::depthwise_group_row(params, group, window_rows, dsp::kGroupChannels, ky_begin, ky_end,
                           s.kernel_h, s.kernel_w, s.input_w, s.output_w, out, s.channels, range);
}
inline void group_row(const ConvParams& params, const dsp::Depthwise3x3Group& group,
                      const firmware::InPlaceShape& s, const int8_t* const* window_rows,
                      int32_t ky_begin, int32_t ky_end, int8_t* out,
                      const dsp::ActivationRange4& range) {
  dsp::depthwise_3x3_group_row(params, group, window_rows, dsp::kGroupChannels, ky_begin, ky_end,
                               s.input_w, s.output_w, out, s.channels, range);
}

// Channels [c, c + 4) with the 4-channel ring `ring` (kernel_h * input_w words).
template <typename Group>
void in_place_group(const ConvParams& params, const Group& group, const firmware::InPlaceShape& s,
                    int8_t* buffer, int8_t* ring, int32_t c, const dsp::ActivationRange4& range) {
  const int8_t* window_rows[kMaxKernelSize];
  int32_t next_row_to_copy = 0;
  for (int32_t out_y = 0; out_y < s.output_h; ++out_y) {
    const firmware::KernelRows rows =
        firmware::fill_ring(params, s, out_y, buffer + c, ring, s.input_w * dsp::kGroupChannels,
                            next_row_to_copy, window_rows, [&s](int8_t* slot, const int8_t* src) {
                              for (int32_t x = 0; x < s.input_w; ++x) {
                                memcpy(slot, src, dsp::kGroupChannels);  // one unaligned word
                                slot += dsp::kGroupChannels;
                                src += s.channels;
                              }
                            });
    group_row(params, group, s, window_rows, rows.begin, rows.end,
              buffer + out_y * s.output_w * s.channels + c, range);
  }
}

// Every whole 4-channel group of a 3x3 layer (depthwise_3x3_dsp.h); returns the first channel
// left over. Not inlined: inlined, it changed the register allocation of the general path's loops
// (+6% cycles on depthwise-heavy's in-place layers, qemu-mps2-an386).
__attribute__((noinline)) int32_t in_place_groups_3x3(const ConvParams& params,
                                                      const PerChannelQuantization& quant,
                                                      const firmware::InPlaceShape& s,
                                                      const int8_t* filter, const int32_t* bias,
                                                      int8_t* buffer, int8_t* ring,
                                                      const dsp::ActivationRange4& range) {
  dsp::Depthwise3x3Group group;
  int32_t c = 0;
  for (; c + dsp::kGroupChannels <= s.channels; c += dsp::kGroupChannels) {
    dsp::load_depthwise_3x3_group(params, quant, filter, bias, s.channels, c, group);
    in_place_group(params, group, s, buffer, ring, c, range);
  }
  return c;
}

}  // namespace

void depthwise_conv2d_s8_in_place(const ConvParams& params, const PerChannelQuantization& quant,
                                  const Shape& input_shape, const Shape& filter_shape,
                                  const int8_t* filter, const int32_t* bias,
                                  const Shape& output_shape, int8_t* buffer, int8_t* scratch) {
  const firmware::InPlaceShape s{input_shape.h,  input_shape.w,  input_shape.c, filter_shape.h,
                                 filter_shape.w, output_shape.h, output_shape.w};
  int32_t c = 0;
  if (s.kernel_h * s.input_w * dsp::kGroupChannels <= kRingBytes) {
    const dsp::ActivationRange4 range = dsp::activation_range4(params);
    alignas(4) int8_t ring[kRingBytes];
    if (dsp::depthwise_3x3_applies(params, input_shape, filter_shape, output_shape)) {
      c = in_place_groups_3x3(params, quant, s, filter, bias, buffer, ring, range);
    } else {
      dsp::DepthwiseGroup group;
      for (; c + dsp::kGroupChannels <= s.channels; c += dsp::kGroupChannels) {
        dsp::load_depthwise_group(params, quant, filter, bias, s.kernel_h * s.kernel_w, s.channels,
                                  c, group);
        in_place_group(params, group, s, buffer, ring, c, range);
      }
    }
  }
  for (; c < s.channels; ++c) {
    in_place_channel(params, dsp::channel_requant(quant, c), s, filter, dsp::bias_or_zero(bias, c),
                     buffer, scratch, c);
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t depthwise_conv2d_s8_in_place_get_buffer_size(const Shape& input_shape,
                                                     const Shape& filter_shape) {
  return filter_shape.h * input_shape.w;
}

}  // namespace tinynas::runtime
