// In-place depthwise convolution, Helium (MVE) path (replaces
// engine/runtime/depthwise_conv2d_s8_in_place.cpp and its DSP version in Cortex-M55 images).
// Bit-exact with the plain kernel, with the same scratch contract (kernel_h * input_w bytes, the
// figure the memory planner used).
//
// The plain kernel's proof that no input byte is overwritten before it has been copied (see its
// header comment) is per channel, and holds unchanged for a group of adjacent channels: writing a
// group's output bytes only overwrites the group's own input bytes, and its rows are copied to
// the ring before they are damaged. So this path runs groups of G channels with a ring of
// kernel_h rows x input_w pixels x G bytes: G = 8 (a whole vector group, depthwise_mve.h) when
// that ring fits kRingBytes on the stack; fewer for wider inputs; and one channel in the caller's
// scratch, which holds exactly kernel_h * input_w bytes, when not even that fits. Rows are copied
// into the ring and outputs stored under a lane predicate of the group's channels, and every
// output pixel is the out-of-place kernel's group code reading its window from the ring.
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/depthwise_mve.h"
#include "firmware/kernels/in_place_ring.h"

namespace tinynas::runtime {

namespace {

namespace mve = firmware::mve;

// Stack bytes for the ring: 8 channels of a 7-row kernel on 88-pixel-wide inputs or of a 3-row
// kernel on 176-pixel-wide ones (MCUNet's first stages).
constexpr int32_t kRingBytes = 5120;

struct Ring {
  int8_t* bytes;
  int32_t pixel_bytes;  // G: the channels per ring pixel
};

// Channels [c, c + count) (count <= ring.pixel_bytes) of the whole layer.
template <bool kPredicated>
void in_place_group(const ConvParams& params, const mve::GroupConstants& constants,
                    mve::GroupLanes<kPredicated> lanes, const firmware::InPlaceShape& s,
                    const int8_t* filter, int8_t* buffer, const Ring& ring, int32_t c,
                    int32_t count, const mve::OutputRange4& range) {
  const mve_pred16_t copy_lanes = vctp8q(static_cast<uint32_t>(count));
  const int16_t input_offset = static_cast<int16_t>(params.input_offset);
  const int8_t* ring_rows[kMaxKernelSize];
  int32_t next_row_to_copy = 0;
  for (int32_t out_y = 0; out_y < s.output_h; ++out_y) {
    const firmware::KernelRows rows = firmware::fill_ring(
        params, s, out_y, buffer + c, ring.bytes, s.input_w * ring.pixel_bytes, next_row_to_copy,
        ring_rows, [&s, &ring, copy_lanes](int8_t* slot, const int8_t* src) {
          for (int32_t x = 0; x < s.input_w; ++x) {
            vstrbq_p_s8(slot, vldrbq_z_s8(src, copy_lanes), copy_lanes);
            slot += ring.pixel_bytes;
            src += s.channels;
          }
        });
    const int32_t ky_begin = rows.begin;
    const int32_t ky_end = rows.end;
    int8_t* out = buffer + out_y * s.output_w * s.channels + c;
    for (int32_t out_x = 0; out_x < s.output_w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, s.kernel_w, s.input_w);
      const int8_t* window_rows[kMaxKernelSize];
      for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
        window_rows[ky - ky_begin] = ring_rows[ky] + (cols.origin + cols.begin) * ring.pixel_bytes;
      }
      const mve::GroupWindow window{window_rows,
                                    ky_end - ky_begin,
                                    cols.end - cols.begin,
                                    ring.pixel_bytes,
                                    filter + (ky_begin * s.kernel_w + cols.begin) * s.channels + c,
                                    s.kernel_w * s.channels,
                                    s.channels};
      mve::group_pixel(constants, lanes, window, 0, input_offset, range, out);
      out += s.channels;
    }
  }
}

}  // namespace

void depthwise_conv2d_s8_in_place(const ConvParams& params, const PerChannelQuantization& quant,
                                  const Shape& input_shape, const Shape& filter_shape,
                                  const int8_t* filter, const int32_t* bias,
                                  const Shape& output_shape, int8_t* buffer, int8_t* scratch) {
  const firmware::InPlaceShape s{input_shape.h,  input_shape.w,  input_shape.c, filter_shape.h,
                                 filter_shape.w, output_shape.h, output_shape.w};
  const mve::OutputRange4 range = mve::output_range4(params);
  alignas(16) int8_t stack_ring[kRingBytes];
  const int32_t channel_ring_bytes = s.kernel_h * s.input_w;
  const int32_t group =
      min_i32(mve::kGroupChannels, kRingBytes / channel_ring_bytes);  // 0: not even one fits
  const Ring ring = group > 0 ? Ring{stack_ring, group} : Ring{scratch, 1};
  for (int32_t c = 0; c < s.channels; c += ring.pixel_bytes) {
    const int32_t count = min_i32(ring.pixel_bytes, s.channels - c);
    const mve::GroupConstants constants = mve::load_group_constants(quant, bias, c, count);
    if (count == mve::kGroupChannels) {
      in_place_group(params, constants, mve::GroupLanes<false>{vctp16q(mve::kGroupChannels)}, s,
                     filter, buffer, ring, c, count, range);
    } else {
      in_place_group(params, constants,
                     mve::GroupLanes<true>{vctp16q(static_cast<uint32_t>(count))}, s, filter,
                     buffer, ring, c, count, range);
    }
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t depthwise_conv2d_s8_in_place_get_buffer_size(const Shape& input_shape,
                                                     const Shape& filter_shape) {
  return filter_shape.h * input_shape.w;
}

}  // namespace tinynas::runtime
