// Bias gradient of a convolution or fully connected layer: the accumulator gradient summed over
// the output pixels, channel by channel.
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

void bias_backward(const Shape& output_shape, const float* accumulator_grad, float* bias_grad) {
  const int32_t pixels = output_shape.h * output_shape.w;
  const int32_t channels = output_shape.c;
  for (int32_t c = 0; c < channels; ++c) bias_grad[c] = 0.0f;
  for (int32_t p = 0; p < pixels; ++p) {
    const float* pixel = accumulator_grad + p * channels;
    for (int32_t c = 0; c < channels; ++c) bias_grad[c] += pixel[c];
  }
}

}  // namespace tinynas::runtime
