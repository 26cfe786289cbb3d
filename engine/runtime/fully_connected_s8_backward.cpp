// Backward of the int8 fully connected layer (fully_connected_s8): the input flattened to K
// values, weights O x K.
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

void fully_connected_s8_backward_weight(const ConvParams& params, const int8_t* input,
                                        const Shape& filter_shape, const float* accumulator_grad,
                                        const ChannelSelection& selection, float* weight_grad) {
  const int32_t depth = fully_connected_depth(filter_shape);
  const float input_offset = static_cast<float>(params.input_offset);
  for (int32_t j = 0; j < selection.count; ++j) {
    const float g = accumulator_grad[selection.channels[j]];
    float* grad = weight_grad + j * depth;
    for (int32_t k = 0; k < depth; ++k) {
      grad[k] = g * (static_cast<float>(input[k]) + input_offset);
    }
  }
}

void fully_connected_s8_backward_weight_saved_channels(const ConvParams& params,
                                                       const int8_t* saved, int32_t saved_channels,
                                                       const Shape& filter_shape,
                                                       const float* accumulator_grad,
                                                       float* weight_grad) {
  Shape slice_shape = filter_shape;  // O x 1 x 1 x K
  slice_shape.c = saved_channels;
  for (int32_t o = 0; o < filter_shape.n; ++o) {
    fully_connected_s8_backward_weight(params, saved, slice_shape, accumulator_grad,
                                       ChannelSelection{&o, 1}, weight_grad + o * saved_channels);
  }
}

void fully_connected_s8_backward_input(const Shape& filter_shape, const int8_t* filter,
                                       const float* accumulator_grad, GradientWrite write,
                                       float* input_grad) {
  const int32_t output_count = filter_shape.n;
  const int32_t depth = fully_connected_depth(filter_shape);
  begin_gradient_write(write, input_grad, depth);
  for (int32_t o = 0; o < output_count; ++o) {
    const float g = accumulator_grad[o];
    if (g == 0.0f) continue;
    const int8_t* weights = filter + o * depth;
    for (int32_t k = 0; k < depth; ++k) input_grad[k] += g * static_cast<float>(weights[k]);
  }
}

}  // namespace tinynas::runtime
