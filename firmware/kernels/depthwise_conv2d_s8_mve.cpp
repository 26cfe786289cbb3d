// Depthwise convolution, Helium (MVE) path (replaces engine/runtime/depthwise_conv2d_s8.cpp and
// its DSP version in Cortex-M55 images). Bit-exact with the plain kernel.
//
// Depth multiplier 1: groups of 8 channels (depthwise_mve.h). The groups' bias and requantization
// constants are tabled once per chunk of 128 channels, then every output pixel clips its window
// once and runs each group of the chunk under it. Padded taps are skipped by clipping the window,
// exactly like the plain kernel. The last C % 8 channels run the same code with predicated loads
// and store (VCTP), so nothing is read past a tensor. Other depth multipliers (rare: TFLite
// imports) take the plain kernel.
#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/depthwise_mve.h"

namespace tinynas::runtime {

namespace {

namespace mve = firmware::mve;
using mve::GroupConstants;
using mve::GroupLanes;
using mve::GroupWindow;
using mve::kGroupChannels;

// Channels whose group constants are tabled on the stack (16 groups x 128 bytes); wider layers
// are done in chunks of this many channels.
constexpr int32_t kChunkChannels = 128;
constexpr int32_t kChunkGroups = kChunkChannels / kGroupChannels;

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
    constants[g] = mve::load_group_constants(quant, bias, c0 + g * kGroupChannels,
                                             min_i32(kGroupChannels, count - g * kGroupChannels));
  }
  const GroupLanes<false> all{vctp16q(kGroupChannels)};
  const GroupLanes<true> last{vctp16q(static_cast<uint32_t>(leftover))};
  const int32_t tap_row_bytes = kernel_w * channels;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
    int8_t* out = output + out_y * output_shape.w * channels + c0;
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w);
      const int8_t* window_rows[kMaxKernelSize];
      for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
        window_rows[ky - rows.begin] =
            input + ((rows.origin + ky) * input_shape.w + cols.origin + cols.begin) * channels + c0;
      }
      const GroupWindow window{window_rows,
                               rows.end - rows.begin,
                               cols.end - cols.begin,
                               channels,
                               filter + (rows.begin * kernel_w + cols.begin) * channels + c0,
                               tap_row_bytes,
                               channels};
      int32_t g = 0;
      for (; g < whole_groups; ++g) {
        mve::group_pixel(constants[g], all, window, g * kGroupChannels, input_offset, range,
                         out + g * kGroupChannels);
      }
      if (leftover != 0) {
        mve::group_pixel(constants[g], last, window, g * kGroupChannels, input_offset, range,
                         out + g * kGroupChannels);
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
