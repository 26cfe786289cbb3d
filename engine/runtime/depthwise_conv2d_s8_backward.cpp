// Backward of the int8 depthwise convolution (depthwise_conv2d_s8, any kernel size, stride and
// depth multiplier): output channel c reads input channel c / multiplier through its own
// KH x KW taps.
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

namespace {

// One weight-gradient row (KH x KW taps) of output channel oc, whose input channel is read at
// `channel_input` with `pixel_stride` values from one pixel to the next.
void depthwise_weight_row(const ConvParams& params, const Shape& input_shape,
                          const int8_t* channel_input, int32_t pixel_stride,
                          const Shape& filter_shape, const Shape& output_shape,
                          const float* accumulator_grad, int32_t oc, float* grad) {
  const int32_t taps = filter_shape.h * filter_shape.w;
  const float input_offset = static_cast<float>(params.input_offset);
  for (int32_t t = 0; t < taps; ++t) grad[t] = 0.0f;
  for_each_window(params, input_shape, filter_shape.h, filter_shape.w, output_shape,
                  [&](int32_t pixel, const WindowSpan& rows, const WindowSpan& cols) {
                    const float g = accumulator_grad[pixel * output_shape.c + oc];
                    if (g == 0.0f) return;  // clamped output: nothing to add
                    for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
                      const int8_t* in_row =
                          channel_input + (rows.origin + ky) * input_shape.w * pixel_stride;
                      float* grad_row = grad + ky * filter_shape.w;
                      for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
                        const int8_t x = in_row[(cols.origin + kx) * pixel_stride];
                        grad_row[kx] += g * (static_cast<float>(x) + input_offset);
                      }
                    }
                  });
}

}  // namespace

void depthwise_conv2d_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                                         const int8_t* input, const Shape& filter_shape,
                                         const Shape& output_shape, const float* accumulator_grad,
                                         const ChannelSelection& selection, float* weight_grad) {
  const int32_t multiplier = output_shape.c / input_shape.c;
  const int32_t taps = filter_shape.h * filter_shape.w;
  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t oc = selection.channels[j];
    depthwise_weight_row(params, input_shape, input + oc / multiplier, input_shape.c, filter_shape,
                         output_shape, accumulator_grad, oc, weight_grad + j * taps);
  }
}

void depthwise_conv2d_s8_backward_weight_saved_channels(
    const ConvParams& params, const Shape& input_shape, const int8_t* saved,
    const Shape& filter_shape, const Shape& output_shape, const float* accumulator_grad,
    const ChannelSelection& selection, float* weight_grad) {
  const int32_t multiplier = output_shape.c / input_shape.c;
  const int32_t saved_channels = saved_channel_count(selection, multiplier);
  const int32_t taps = filter_shape.h * filter_shape.w;
  // Saved channel k is the k-th distinct input channel of the (ascending) selection.
  int32_t k = -1;
  int32_t previous = -1;
  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t oc = selection.channels[j];
    if (oc / multiplier != previous) ++k;
    previous = oc / multiplier;
    depthwise_weight_row(params, input_shape, saved + k, saved_channels, filter_shape, output_shape,
                         accumulator_grad, oc, weight_grad + j * taps);
  }
}

void depthwise_conv2d_s8_backward_input(const ConvParams& params, const Shape& input_shape,
                                        const Shape& filter_shape, const int8_t* filter,
                                        const Shape& output_shape, const float* accumulator_grad,
                                        GradientWrite write, float* input_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  const int32_t multiplier = output_c / input_c;
  begin_gradient_write(write, input_grad, input_shape.elements());
  for_each_window(params, input_shape, filter_shape.h, filter_shape.w, output_shape,
                  [&](int32_t pixel, const WindowSpan& rows, const WindowSpan& cols) {
                    const float* out_grad = accumulator_grad + pixel * output_c;
                    for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
                      for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
                        float* pixel_grad =
                            input_grad +
                            ((rows.origin + ky) * input_shape.w + cols.origin + kx) * input_c;
                        const int8_t* tap = filter + (ky * filter_shape.w + kx) * output_c;
                        if (multiplier == 1) {  // channel to channel: contiguous on both sides
                          for (int32_t c = 0; c < output_c; ++c) {
                            pixel_grad[c] += out_grad[c] * static_cast<float>(tap[c]);
                          }
                        } else {
                          for (int32_t c = 0; c < output_c; ++c) {
                            pixel_grad[c / multiplier] += out_grad[c] * static_cast<float>(tap[c]);
                          }
                        }
                      }
                    }
                  });
}

}  // namespace tinynas::runtime
