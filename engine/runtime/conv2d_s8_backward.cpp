// Backward of the general k x k int8 convolution (conv2d_s8): weight gradient of the selected
// output channels and input gradient, over the same clipped windows as the forward. Within one
// kernel row the valid cells are consecutive pixels of the input and consecutive taps of the OHWI
// filter: one contiguous span each, as in the forward.
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

void conv2d_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                               const int8_t* input, const Shape& filter_shape,
                               const Shape& output_shape, const float* accumulator_grad,
                               const ChannelSelection& selection, float* weight_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t filter_row_stride = filter_shape.w * input_c;
  const int32_t taps = filter_shape.h * filter_row_stride;
  const float input_offset = static_cast<float>(params.input_offset);
  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t oc = selection.channels[j];
    float* grad = weight_grad + j * taps;
    for (int32_t t = 0; t < taps; ++t) grad[t] = 0.0f;
    for_each_window(
        params, input_shape, filter_shape.h, filter_shape.w, output_shape,
        [&](int32_t pixel, const WindowSpan& rows, const WindowSpan& cols) {
          const float g = accumulator_grad[pixel * output_shape.c + oc];
          if (g == 0.0f) return;  // clamped output: nothing to add
          const int32_t span = (cols.end - cols.begin) * input_c;
          for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
            const int8_t* in =
                input + ((rows.origin + ky) * input_shape.w + cols.origin + cols.begin) * input_c;
            float* grad_row = grad + ky * filter_row_stride + cols.begin * input_c;
            for (int32_t i = 0; i < span; ++i) {
              grad_row[i] += g * (static_cast<float>(in[i]) + input_offset);
            }
          }
        });
  }
}

void conv2d_s8_backward_weight_saved_channels(const ConvParams& params, const Shape& input_shape,
                                              const int8_t* saved, int32_t saved_channels,
                                              const Shape& filter_shape, const Shape& output_shape,
                                              const float* accumulator_grad, float* weight_grad) {
  // The slice is the weight gradient of the same convolution over the saved channels alone.
  Shape saved_shape = input_shape;
  saved_shape.c = saved_channels;
  Shape slice_shape = filter_shape;
  slice_shape.c = saved_channels;
  const int32_t taps = filter_shape.h * filter_shape.w * saved_channels;
  for (int32_t oc = 0; oc < output_shape.c; ++oc) {
    conv2d_s8_backward_weight(params, saved_shape, saved, slice_shape, output_shape,
                              accumulator_grad, ChannelSelection{&oc, 1}, weight_grad + oc * taps);
  }
}

void conv2d_s8_backward_input(const ConvParams& params, const Shape& input_shape,
                              const Shape& filter_shape, const int8_t* filter,
                              const Shape& output_shape, const float* accumulator_grad,
                              GradientWrite write, float* input_grad) {
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  const int32_t filter_row_stride = filter_shape.w * input_c;
  const int32_t filter_channel_stride = filter_shape.h * filter_row_stride;
  begin_gradient_write(write, input_grad, input_shape.elements());
  for_each_window(
      params, input_shape, filter_shape.h, filter_shape.w, output_shape,
      [&](int32_t pixel, const WindowSpan& rows, const WindowSpan& cols) {
        const float* out_grad = accumulator_grad + pixel * output_c;
        const int32_t span = (cols.end - cols.begin) * input_c;
        for (int32_t oc = 0; oc < output_c; ++oc) {
          const float g = out_grad[oc];
          if (g == 0.0f) continue;
          const int8_t* filter_channel = filter + oc * filter_channel_stride + cols.begin * input_c;
          for (int32_t ky = rows.begin; ky < rows.end; ++ky) {
            float* in_grad =
                input_grad +
                ((rows.origin + ky) * input_shape.w + cols.origin + cols.begin) * input_c;
            const int8_t* taps = filter_channel + ky * filter_row_stride;
            for (int32_t i = 0; i < span; ++i) in_grad[i] += g * static_cast<float>(taps[i]);
          }
        }
      });
}

}  // namespace tinynas::runtime
