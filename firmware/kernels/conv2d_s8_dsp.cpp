// General kh x kw convolution, DSP path (replaces engine/runtime/conv2d_s8.cpp in Cortex-M4/M7
// images). Bit-exact with the plain kernel.
//
// For one output pixel and one kernel row, the window's cells inside the input are consecutive
// pixels of an NHWC row and consecutive taps of an OHWI filter row: one contiguous span of
// (columns x C_in) bytes each, as in the plain kernel. The span is dotted against the filter rows
// of two output channels at once, 4 bytes per step: SXTB16 splits the input word into int16
// pairs, SADD16 adds the input offset to both lanes (so windows clipped by padding need no
// special case), and SMLAD accumulates two products per instruction; one unpacked input word
// feeds both channels. Output channels go in pairs, outermost, so the pair's requantization
// constants are computed once per layer (requantize_dsp.h).
#include "engine/runtime/kernels.h"
#include "engine/runtime/window_span.h"
#include "firmware/kernels/dot_product_dsp.h"
#include "firmware/kernels/requantize_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;

// (x + offset) fits int16 for int8 x and an offset in [-127, 128].
struct InputOffset {
  int32_t scalar;
  int16x2_t lanes;
};

// acc0 += sum_k (x[k] + offset) * w0[k]; acc1 likewise with w1.
inline void dot_offset_1x2(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                           const InputOffset& offset, int32_t& acc0, int32_t& acc1) {
  int32_t a0 = acc0, a1 = acc1;
  int32_t k = 0;
  for (; k + dsp::kElementsPerWord <= n; k += dsp::kElementsPerWord) {
    const int8x4_t xw = dsp::load_int8x4(x + k);
    const int16x2_t x_even = __sadd16(dsp::even_pair(xw), offset.lanes);
    const int16x2_t x_odd = __sadd16(dsp::odd_pair(xw), offset.lanes);
    const int8x4_t wa = dsp::load_int8x4(w0 + k);
    const int8x4_t wb = dsp::load_int8x4(w1 + k);
    a0 = __smlad(x_even, dsp::even_pair(wa), a0);
    a0 = __smlad(x_odd, dsp::odd_pair(wa), a0);
    a1 = __smlad(x_even, dsp::even_pair(wb), a1);
    a1 = __smlad(x_odd, dsp::odd_pair(wb), a1);
  }
  for (; k < n; ++k) {
    const int32_t value = static_cast<int32_t>(x[k]) + offset.scalar;
    a0 += value * w0[k];
    a1 += value * w1[k];
  }
  acc0 = a0;
  acc1 = a1;
}

// acc += sum_k (x[k] + offset) * w[k] (the odd last output channel).
inline int32_t dot_offset_1x1(const int8_t* x, const int8_t* w, int32_t n,
                              const InputOffset& offset, int32_t acc) {
  int32_t k = 0;
  for (; k + dsp::kElementsPerWord <= n; k += dsp::kElementsPerWord) {
    const int8x4_t xw = dsp::load_int8x4(x + k);
    const int8x4_t ww = dsp::load_int8x4(w + k);
    acc = __smlad(__sadd16(dsp::even_pair(xw), offset.lanes), dsp::even_pair(ww), acc);
    acc = __smlad(__sadd16(dsp::odd_pair(xw), offset.lanes), dsp::odd_pair(ww), acc);
  }
  for (; k < n; ++k) acc += (static_cast<int32_t>(x[k]) + offset.scalar) * w[k];
  return acc;
}

struct ConvGeometry {
  int32_t input_h, input_w, input_c, kernel_h, kernel_w, output_h, output_w, output_c;
};

// Output channels `first` and, when `pair`, first + 1, over every output pixel.
void conv_channels(const ConvParams& params, const ConvGeometry& g, const int8_t* input,
                   const int8_t* filter, const int32_t* bias, const dsp::ChannelRequant* requant,
                   int32_t first, bool pair, int8_t* output) {
  const InputOffset offset{params.input_offset, dsp::splat_offset(params.input_offset)};
  const int32_t filter_row_stride = g.kernel_w * g.input_c;
  const int32_t filter_channel_stride = g.kernel_h * filter_row_stride;
  const int32_t input_row_stride = g.input_w * g.input_c;
  const int8_t* filter0 = filter + first * filter_channel_stride;
  const int8_t* filter1 = pair ? filter0 + filter_channel_stride : filter0;
  const int32_t bias0 = bias != nullptr ? bias[first] : 0;
  const int32_t bias1 = pair && bias != nullptr ? bias[first + 1] : 0;
  int8_t* out = output + first;
  for (int32_t out_y = 0; out_y < g.output_h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, g.kernel_h, g.input_h);
    for (int32_t out_x = 0; out_x < g.output_w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, g.kernel_w, g.input_w);
      const int32_t span = (cols.end - cols.begin) * g.input_c;
      const int8_t* in_row = input + (rows.origin + rows.begin) * input_row_stride +
                             (cols.origin + cols.begin) * g.input_c;
      const int32_t window_start = rows.begin * filter_row_stride + cols.begin * g.input_c;
      const int8_t* row0 = filter0 + window_start;
      const int8_t* row1 = filter1 + window_start;
      int32_t acc0 = bias0;
      int32_t acc1 = bias1;
      for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
        if (pair) {
          dot_offset_1x2(in_row, row0, row1, span, offset, acc0, acc1);
        } else {
          acc0 = dot_offset_1x1(in_row, row0, span, offset, acc0);
        }
        in_row += input_row_stride;
        row0 += filter_row_stride;
        row1 += filter_row_stride;
      }
      out[0] = dsp::requantize_one(acc0, requant[0], params);
      if (pair) out[1] = dsp::requantize_one(acc1, requant[1], params);
      out += g.output_c;
    }
  }
}

}  // namespace

void conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
               const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
               const int8_t* filter, const int32_t* bias, const Shape& output_shape,
               int8_t* output) {
  const ConvGeometry g{input_shape.h,  input_shape.w,  input_shape.c,  filter_shape.h,
                       filter_shape.w, output_shape.h, output_shape.w, output_shape.c};
  int32_t oc = 0;
  for (; oc + 1 < g.output_c; oc += 2) {
    const dsp::ChannelRequant requant[2] = {dsp::channel_requant(quant, oc),
                                            dsp::channel_requant(quant, oc + 1)};
    conv_channels(params, g, input, filter, bias, requant, oc, true, output);
  }
  if (oc < g.output_c) {
    const dsp::ChannelRequant requant[1] = {dsp::channel_requant(quant, oc)};
    conv_channels(params, g, input, filter, bias, requant, oc, false, output);
  }
}

// Must equal the runtime's value: the memory planner sized scratch with the host's copy.
int32_t conv2d_s8_get_buffer_size(const Shape& /*input_shape*/, const Shape& /*filter_shape*/) {
  return 0;
}

}  // namespace tinynas::runtime
