// Backward of the general k x k int8 convolution (conv2d_s8): weight gradient of the selected
// output channels and input gradient, over the same clipped windows as the forward.
#include "engine/runtime/gradient_write.h"
#include "engine/runtime/training_kernels.h"
#include "engine/runtime/window_span.h"

namespace tinynas::runtime {

void conv2d_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                               const int8_t* input, const Shape& filter_shape,
                               const Shape& output_shape, const float* accumulator_grad,
                               const ChannelSelection& selection, float* weight_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_c = output_shape.c;
  const int32_t filter_row_stride = kernel_w * input_c;
  const int32_t taps = kernel_h * filter_row_stride;
  const int32_t input_row_stride = input_shape.w * input_c;
  const float input_offset = static_cast<float>(params.input_offset);

  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t oc = selection.channels[j];
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
        // One contiguous span of input and of taps per kernel row, as in the forward.
        const int32_t span = (cols.end - cols.begin) * input_c;
        for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
          const int8_t* in =
              input + (rows.origin + ky) * input_row_stride + (cols.origin + cols.begin) * input_c;
          float* grad_row = grad + ky * filter_row_stride + cols.begin * input_c;
          for (int32_t i = 0; i < span; ++i) {
            grad_row[i] += g * (static_cast<float>(in[i]) + input_offset);
          }
        }
      }
    }
  }
}

void conv2d_s8_backward_input(const ConvParams& params, const Shape& input_shape,
                              const Shape& filter_shape, const int8_t* filter,
                              const Shape& output_shape, const float* accumulator_grad,
                              GradientWrite write, float* input_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t kernel_h = filter_shape.h;
  const int32_t kernel_w = filter_shape.w;
  const int32_t output_c = output_shape.c;
  const int32_t filter_row_stride = kernel_w * input_c;
  const int32_t filter_channel_stride = kernel_h * filter_row_stride;
  const int32_t input_row_stride = input_shape.w * input_c;
  begin_gradient_write(write, input_grad, input_shape.elements());

  const float* out_grad = accumulator_grad;
  for (int32_t out_y = 0; out_y < output_shape.h; ++out_y) {
    const WindowSpan rows =
        window_span(out_y, params.stride_h, params.pad_top, kernel_h, input_shape.h);
    for (int32_t out_x = 0; out_x < output_shape.w; ++out_x) {
      const WindowSpan cols =
          window_span(out_x, params.stride_w, params.pad_left, kernel_w, input_shape.w);
      const int32_t span = (cols.end - cols.begin) * input_c;
      // Offset of the window's first valid column; its rows are added per kernel row (the
      // window's origin row may lie above the input).
      const int32_t window_col0 = (cols.origin + cols.begin) * input_c;
      const int32_t filter_window_start = cols.begin * input_c;
      for (int32_t oc = 0; oc < output_c; ++oc) {
        const float g = out_grad[oc];
        if (g == 0.0f) continue;
        const int8_t* filter_channel = filter + oc * filter_channel_stride + filter_window_start;
        for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
          float* in_grad = input_grad + (rows.origin + ky) * input_row_stride + window_col0;
          const int8_t* taps = filter_channel + ky * filter_row_stride;
          for (int32_t i = 0; i < span; ++i) in_grad[i] += g * static_cast<float>(taps[i]);
        }
      }
      out_grad += output_c;
    }
  }
}

}  // namespace tinynas::runtime
