// In-place depthwise int8 convolution: the output overwrites the input in the same buffer, and the
// only extra memory is a ring of kernel_h input rows of one channel (kernel_h * input_w bytes).
// MCUNet/TinyEngine (Lin et al., "MCUNet: Tiny Deep Learning on IoT Devices", NeurIPS 2020,
// section 3.2) keep a whole H x W channel as temporary buffer; the ring needs only kernel_h rows.
//
// Why no input byte is destroyed before it has been copied (notation: input H x W, output
// OH x OW, C channels, vertical stride s >= 1, pad_top pt in [0, K - 1] with K = kernel_h; the
// caller guarantees OH <= H and OW <= W, which every valid/same padding at stride >= 1 gives):
//
// 1. Channels are independent. Pixel p, channel c lives at byte p * C + c in the input and in the
//    output layout alike, so writing output channel c only ever overwrites bytes of input channel
//    c, and output channel c reads only input channel c. Processing whole channels one after the
//    other, a channel's input is intact when its turn comes; the rest of the proof is per channel.
// 2. Writing output row oy destroys only input rows <= oy. It writes output pixels
//    [oy * OW, (oy + 1) * OW), which are input pixel indices < (oy + 1) * OW <= (oy + 1) * W, i.e.
//    in input rows <= oy. So before output row oy is written, only rows <= oy - 1 can be damaged.
// 3. Every row is copied to the ring before it is damaged. Before output row oy is computed, all
//    rows up to last(oy) = min(H - 1, oy * s - pt + K - 1) are copied, in increasing order. Since
//    s >= 1 and pt <= K - 1, oy * s - pt + K - 1 >= oy, and oy <= OH - 1 <= H - 1, so
//    last(oy) >= oy: by step oy every row <= oy has been copied. A row r first copied at step oy
//    has r > last(oy - 1) >= oy - 1, i.e. r >= oy, which by 2 is still intact at that time
//    (only rows <= oy - 1 may be damaged; at oy = 0 none is). Rows skipped because they lie
//    above the window (stride > K) are never read. This holds for any stride and pt in [0, K - 1].
// 4. A ring slot is reused only when its row is no longer needed. Row r goes to slot r mod K and
//    evicts row r - K. Copying r at step oy means r <= oy * s - pt + K - 1, so the evicted row is
//    <= oy * s - pt - 1: below the window of step oy and, windows only moving down, below every
//    later window too. The window rows of step oy are <= last(oy), all copied, none evicted.
// Hence all reads (which come from the ring only) see the original input values.
// The ring and window are computed here rather than with window_span.h's RowRing: that
// measured 3% slower on the host (bench/kernels_bench BM_DepthwiseConv2dInPlace).
#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

void depthwise_conv2d_s8_in_place(const ConvParams& params, const PerChannelQuantization& quant,
                                  const Shape& input_shape, const Shape& filter_shape,
                                  const int8_t* filter, const int32_t* bias,
                                  const Shape& output_shape, int8_t* buffer, int8_t* scratch) {
  const int32_t input_h = input_shape.h;
  const int32_t input_w = input_shape.w;
  const int32_t channels = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_h = output_shape.h;
  const int32_t output_w = output_shape.w;
  const int32_t input_offset = params.input_offset;
  const int32_t input_row_stride = input_w * channels;

  // The channel's taps, gathered once per channel (the filter is interleaved over channels);
  // int8 keeps this stack array small on a microcontroller.
  int8_t taps[kMaxKernelSize * kMaxKernelSize];
  // Ring slot of each kernel row of the current output row's window.
  const int8_t* window_rows[kMaxKernelSize];

  for (int32_t c = 0; c < channels; ++c) {
    for (int32_t t = 0; t < kernel_h * kernel_w; ++t) taps[t] = filter[t * channels + c];
    const int32_t channel_bias = bias != nullptr ? bias[c] : 0;
    const int32_t multiplier = quant.multiplier[c];
    const int32_t shift = quant.shift[c];

    int32_t next_row_to_copy = 0;
    for (int32_t out_y = 0; out_y < output_h; ++out_y) {
      const int32_t in_y_origin = out_y * params.stride_h - params.pad_top;
      const int32_t last_needed_row = min_i32(input_h - 1, in_y_origin + kernel_h - 1);
      // Rows above the window (only when stride > kernel) are never needed: skip them.
      next_row_to_copy = max_i32(next_row_to_copy, in_y_origin);
      for (; next_row_to_copy <= last_needed_row; ++next_row_to_copy) {
        int8_t* slot = scratch + (next_row_to_copy % kernel_h) * input_w;
        const int8_t* src = buffer + next_row_to_copy * input_row_stride + c;
        for (int32_t x = 0; x < input_w; ++x) slot[x] = src[x * channels];
      }

      // Padded cells contribute nothing, so the window is clipped to the input instead of read.
      const int32_t ky_begin = max_i32(0, -in_y_origin);
      const int32_t ky_end = min_i32(kernel_h, input_h - in_y_origin);
      for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
        window_rows[ky] = scratch + ((in_y_origin + ky) % kernel_h) * input_w;
      }

      int8_t* out = buffer + out_y * output_w * channels + c;
      for (int32_t out_x = 0; out_x < output_w; ++out_x) {
        const int32_t in_x_origin = out_x * params.stride_w - params.pad_left;
        const int32_t kx_begin = max_i32(0, -in_x_origin);
        const int32_t kx_end = min_i32(kernel_w, input_w - in_x_origin);
        int32_t acc = channel_bias;
        const int32_t span = kx_end - kx_begin;
        for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
          const int8_t* row = window_rows[ky] + in_x_origin + kx_begin;
          const int8_t* row_taps = taps + ky * kernel_w + kx_begin;
          for (int32_t i = 0; i < span; ++i) {
            acc +=
                (static_cast<int32_t>(row[i]) + input_offset) * static_cast<int32_t>(row_taps[i]);
          }
        }
        const int32_t scaled = multiply_by_quantized_multiplier(acc, multiplier, shift);
        *out = static_cast<int8_t>(
            clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
        out += channels;
      }
    }
  }
}

int32_t depthwise_conv2d_s8_in_place_get_buffer_size(const Shape& input_shape,
                                                     const Shape& filter_shape) {
  return filter_shape.h * input_shape.w;
}

}  // namespace tinynas::runtime
