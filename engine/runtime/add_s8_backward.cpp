// Backward of the int8 elementwise add (add_s8): each input's gradient is the output's scaled by
// the input's share of the fixed-point rescaling, 0 where the output was clamped.
#include "engine/runtime/backward_parts.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

void add_s8_backward(const AddParams& params, const int8_t* output, const float* output_grad,
                     int32_t size, GradientWrite write, float* input0_grad, float* input1_grad) {
  // d out / d in_i = 2^left_shift * M_i * M_out: the headroom shift, the input's rescaling to the
  // common scale and the common scale's rescaling to the output.
  const float headroom = static_cast<float>(int32_t{1} << params.left_shift);
  const float output_multiplier = real_multiplier(params.output_multiplier, params.output_shift);
  const float scale0 =
      headroom * real_multiplier(params.input0_multiplier, params.input0_shift) * output_multiplier;
  const float scale1 =
      headroom * real_multiplier(params.input1_multiplier, params.input1_shift) * output_multiplier;
  const bool accumulate = write == GradientWrite::kAccumulate;
  for (int32_t i = 0; i < size; ++i) {
    // Read before either write: an input gradient may be the output gradient's buffer.
    const float g = gradient_passes(output, i, params.activation_min, params.activation_max)
                        ? output_grad[i]
                        : 0.0f;
    input0_grad[i] = (accumulate ? input0_grad[i] : 0.0f) + g * scale0;
    input1_grad[i] = (accumulate ? input1_grad[i] : 0.0f) + g * scale1;
  }
}

}  // namespace tinynas::runtime
