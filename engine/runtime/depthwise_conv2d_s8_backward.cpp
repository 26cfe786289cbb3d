// Backward of the int8 depthwise convolution (depthwise_conv2d_s8, any kernel size, stride and
// depth multiplier): output channel c reads input channel c / multiplier through its own
// KH x KW taps.
#include "engine/runtime/gradient_write.h"
#include "engine/runtime/training_kernels.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

void depthwise_conv2d_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                                         const int8_t* input, const Shape& filter_shape,
                                         const Shape& output_shape, const float* accumulator_grad,
                                         const ChannelSelection& selection, float* weight_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_c = output_shape.c;
  const int32_t multiplier = output_c / input_c;
  const int32_t taps = kernel_h * kernel_w;
  const float input_offset = static_cast<float>(params.input_offset);

  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t oc = selection.channels[j];
    const int8_t* channel_input = input + oc / multiplier;
    float* grad = weight_grad + j * taps;
    for (int32_t t = 0; t < taps; ++t) grad[t] = 0.0f;
    for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
      const WindowSpan rows =
          window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
      for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
        const float g = accumulator_grad[(out_y * output_shape.w + out_x) * output_c + oc];
        if (g == 0.0f) continue;  // clamped output: nothing to add
        const WindowSpan cols =
            window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w);
        for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
          const int32_t in_y = rows.origin + ky;
          for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
            const int32_t in_x = cols.origin + kx;
            const int8_t x = channel_input[(in_y * input_shape.w + in_x) * input_c];
            grad[ky * kernel_w + kx] += g * (static_cast<float>(x) + input_offset);
          }
        }
      }
    }
  }
}

void depthwise_conv2d_s8_backward_input(const ConvParams& params, const Shape& input_shape,
                                        const Shape& filter_shape, const int8_t* filter,
                                        const Shape& output_shape, const float* accumulator_grad,
                                        GradientWrite write, float* input_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_c = output_shape.c;
  const int32_t multiplier = output_c / input_c;
  begin_gradient_write(write, input_grad, input_shape.elements());

  const float* out_grad = accumulator_grad;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w);
      for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
        for (int32_t kx = cols.begin; kx < cols.end; ++kx) {
          float* pixel_grad =
              input_grad + ((rows.origin + ky) * input_shape.w + cols.origin + kx) * input_c;
          const int8_t* tap = filter + (ky * kernel_w + kx) * output_c;
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
      out_grad += output_c;
    }
  }
}

}  // namespace tinynas::runtime
