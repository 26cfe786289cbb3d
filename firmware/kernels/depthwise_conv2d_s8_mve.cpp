// Depthwise convolution, Helium (MVE) path (replaces engine/runtime/depthwise_conv2d_s8.cpp and
// its DSP version in Cortex-M55 images). Bit-exact with the plain kernel.
//
// Depth multiplier 1: groups of 8 channels in the 16-bit lanes of a vector. The groups' bias and
// requantization constants (requantize_mve.h) are tabled once per chunk of 128 channels, then
// every output pixel clips its window once and runs each group of the chunk under it. Per kernel
// tap: the 8 input bytes and the 8 tap bytes sign-extended by the load (VLDRB.S16), the input
// offset added in int16 (x + offset is in [-255, 255]), and the products widened into two int32
// accumulators, VMULLB for the even channels and VMULLT for the odd ones (MVE has no lane-wise
// vector multiply-accumulate); the two requantized halves are interleaved back by VMOVNB / VMOVNT
// and stored as bytes. Padded taps are skipped by clipping the window, exactly like the plain
// kernel. The last C % 8 channels run the same code with predicated loads and store (VCTP), so
// nothing is read past a tensor. Other depth multipliers (rare: TFLite imports) take the plain
// kernel.
#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/requantize_mve.h"

namespace tinynas::runtime {

namespace {

namespace mve = firmware::mve;

constexpr int32_t kGroupChannels = 8;  // int16 lanes of a vector

// The lanes of a group: all eight (kPredicated false: plain loads and stores) or the first few
// (the C % 8 leftovers: zeroing loads and a predicated store).
template <bool kPredicated>
struct GroupLanes {
  mve_pred16_t lanes;
  int16x8_t load(const int8_t* p) const {
    return kPredicated ? vldrbq_z_s16(p, lanes) : vldrbq_s16(p);
  }
  void store(int8_t* p, int16x8_t v) const {
    if (kPredicated) {
      vstrbq_p_s16(p, v, lanes);
    } else {
      vstrbq_s16(p, v);
    }
  }
};

// A group's per-channel constants split into its even and odd channels, the order in which
// VMULLB / VMULLT leave the products.
struct GroupConstants {
  int32x4_t start_even, start_odd;
  mve::Requant4 requant_even, requant_odd;
};

GroupConstants load_group_constants(const PerChannelQuantization& quant, const int32_t* bias,
                                    int32_t c, int32_t count) {
  int32_t start[kGroupChannels] = {};
  int32_t multiplier[kGroupChannels] = {};
  int32_t shift[kGroupChannels] = {};
  for (int32_t j = 0; j < count; ++j) {
    start[j] = bias != nullptr ? bias[c + j] : 0;
    multiplier[j] = quant.multiplier[c + j];
    shift[j] = quant.shift[c + j];
  }
  const auto even = [](const int32_t* v) { return mve::lanes4(v[0], v[2], v[4], v[6]); };
  const auto odd = [](const int32_t* v) { return mve::lanes4(v[1], v[3], v[5], v[7]); };
  return GroupConstants{even(start), odd(start), mve::make_requant4(even(multiplier), even(shift)),
                        mve::make_requant4(odd(multiplier), odd(shift))};
}

// Channels whose group constants are tabled on the stack (16 groups x 128 bytes); wider layers
// are done in chunks of this many channels.
constexpr int32_t kChunkChannels = 128;
constexpr int32_t kChunkGroups = kChunkChannels / kGroupChannels;

// One output pixel of one group: the window's taps, requantization, the store. `in` and `tap`
// point at the group's first channel of the window's first pixel and tap.
template <bool kPredicated>
inline void group_pixel(const GroupConstants& k, GroupLanes<kPredicated> group, const int8_t* in,
                        const int8_t* tap, int32_t rows, int32_t columns, int32_t in_row_step,
                        int32_t tap_row_step, int32_t channels, int16_t input_offset,
                        const mve::OutputRange4& range, int8_t* out) {
  int32x4_t even = k.start_even;
  int32x4_t odd = k.start_odd;
  for (int32_t ky = 0; ky < rows; ++ky) {
    const int8_t* x_ptr = in;
    const int8_t* w_ptr = tap;
    for (int32_t kx = 0; kx < columns; ++kx) {
      const int16x8_t x = vaddq_n_s16(group.load(x_ptr), input_offset);
      const int16x8_t w = group.load(w_ptr);
      even = vaddq_s32(even, vmullbq_int_s16(x, w));
      odd = vaddq_s32(odd, vmulltq_int_s16(x, w));
      x_ptr += channels;
      w_ptr += channels;
    }
    in += in_row_step;
    tap += tap_row_step;
  }
  int16x8_t result = vdupq_n_s16(0);
  result = vmovnbq_s32(result, mve::requantize4(even, k.requant_even, range));
  result = vmovntq_s32(result, mve::requantize4(odd, k.requant_odd, range));
  group.store(out, result);
}

// Output channels [c0, c0 + count) (count <= kChunkChannels) of the whole output: pixel by
// pixel, the window clipped once per pixel, every group of the chunk under it.
void depthwise_chunk(const ConvParams& params, const PerChannelQuantization& quant,
                     const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                     const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                     int8_t* output, int32_t c0, int32_t count) {
  const int32_t channels = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int16_t input_offset = static_cast<int16_t>(params.input_offset);
  const mve::OutputRange4 range = mve::output_range4(params);
  const int32_t whole_groups = count / kGroupChannels;
  const int32_t leftover = count % kGroupChannels;
  GroupConstants constants[kChunkGroups];
  for (int32_t g = 0; g * kGroupChannels < count; ++g) {
    constants[g] = load_group_constants(quant, bias, c0 + g * kGroupChannels,
                                        min_i32(kGroupChannels, count - g * kGroupChannels));
  }
  const GroupLanes<false> all{vctp16q(kGroupChannels)};
  const GroupLanes<true> last{vctp16q(static_cast<uint32_t>(leftover))};
  const int32_t in_row_bytes = input_shape.w * channels;
  const int32_t tap_row_bytes = kernel_w * channels;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
    int8_t* out = output + out_y * output_shape.w * channels + c0;
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w);
      const int8_t* in =
          input +
          ((rows.origin + rows.begin) * input_shape.w + cols.origin + cols.begin) * channels + c0;
      const int8_t* tap = filter + (rows.begin * kernel_w + cols.begin) * channels + c0;
      const int32_t window_rows = rows.end - rows.begin;
      const int32_t columns = cols.end - cols.begin;
      int32_t g = 0;
      for (; g < whole_groups; ++g) {
        const int32_t offset = g * kGroupChannels;
        group_pixel(constants[g], all, in + offset, tap + offset, window_rows, columns,
                    in_row_bytes, tap_row_bytes, channels, input_offset, range, out + offset);
      }
      if (leftover != 0) {
        const int32_t offset = g * kGroupChannels;
        group_pixel(constants[g], last, in + offset, tap + offset, window_rows, columns,
                    in_row_bytes, tap_row_bytes, channels, input_offset, range, out + offset);
      }
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
  for (int32_t c = 0; c < channels; c += kChunkChannels) {
    depthwise_chunk(params, quant, input_shape, input, filter_shape, filter, bias, output_shape,
                    output, c, min_i32(kChunkChannels, channels - c));
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& /*input_shape*/,
                                            const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
