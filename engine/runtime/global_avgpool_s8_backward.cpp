// Backward of the int8 global average pool (global_avgpool_s8): the gradient of each channel's
// mean spread evenly over its H x W inputs, 0 where the output was clamped.
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

void global_avgpool_s8_backward(const GlobalPoolParams& params, const Shape& input_shape,
                                const int8_t* output, const float* output_grad, GradientWrite write,
                                float* input_grad) {
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t channels = input_shape.c;
  // M already folds in 1 / (H * W): d out / d in = M for every input of the channel.
  const float multiplier = real_multiplier(params.output_multiplier, params.output_shift);
  begin_gradient_write(write, input_grad, input_shape.elements());
  for (int32_t p = 0; p < pixels; ++p) {
    float* pixel_grad = input_grad + p * channels;
    for (int32_t c = 0; c < channels; ++c) {
      if (gradient_passes(output, c, params.activation_min, params.activation_max)) {
        pixel_grad[c] += output_grad[c] * multiplier;
      }
    }
  }
}

}  // namespace tinynas::runtime
