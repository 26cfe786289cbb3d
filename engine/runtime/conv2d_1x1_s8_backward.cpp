// Backward of the pointwise 1x1 int8 convolution (conv2d_1x1_s8): per pixel an outer product
// (weight gradient) and a transposed matrix-vector product (input gradient).
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

void conv2d_1x1_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                                   const int8_t* input, const Shape& output_shape,
                                   const float* accumulator_grad, const ChannelSelection& selection,
                                   float* weight_grad) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  const float input_offset = static_cast<float>(params.input_offset);
  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t oc = selection.channels[j];
    float* grad = weight_grad + j * input_c;
    for (int32_t ic = 0; ic < input_c; ++ic) grad[ic] = 0.0f;
    for (int32_t p = 0; p < pixels; ++p) {
      const float g = accumulator_grad[p * output_c + oc];
      if (g == 0.0f) continue;
      const int8_t* in = input + p * input_c;
      for (int32_t ic = 0; ic < input_c; ++ic) {
        grad[ic] += g * (static_cast<float>(in[ic]) + input_offset);
      }
    }
  }
}

void conv2d_1x1_s8_backward_weight_saved_channels(const ConvParams& params,
                                                  const Shape& input_shape, const int8_t* saved,
                                                  int32_t saved_channels, const Shape& output_shape,
                                                  const float* accumulator_grad,
                                                  float* weight_grad) {
  Shape saved_shape = input_shape;
  saved_shape.c = saved_channels;
  for (int32_t oc = 0; oc < output_shape.c; ++oc) {
    conv2d_1x1_s8_backward_weight(params, saved_shape, saved, output_shape, accumulator_grad,
                                  ChannelSelection{&oc, 1}, weight_grad + oc * saved_channels);
  }
}

void conv2d_1x1_s8_backward_input(const Shape& input_shape, const int8_t* filter,
                                  const Shape& output_shape, const float* accumulator_grad,
                                  GradientWrite write, float* input_grad) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t input_c = input_shape.c;
  const int32_t output_c = output_shape.c;
  begin_gradient_write(write, input_grad, input_shape.elements());
  for (int32_t p = 0; p < pixels; ++p) {
    float* in_grad = input_grad + p * input_c;
    const float* out_grad = accumulator_grad + p * output_c;
    for (int32_t oc = 0; oc < output_c; ++oc) {
      const float g = out_grad[oc];
      if (g == 0.0f) continue;
      const int8_t* weights = filter + oc * input_c;
      for (int32_t ic = 0; ic < input_c; ++ic) in_grad[ic] += g * static_cast<float>(weights[ic]);
    }
  }
}

}  // namespace tinynas::runtime
