// Elementwise int8 addition with TFLite ADD int8 arithmetic: both inputs are brought to a common
// fixed-point scale (offset, left shift for headroom, per-input multiplier), summed, and the sum
// is rescaled to the output quantization.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

void add_s8(const AddParams& params, const int8_t* input0, const int8_t* input1, int8_t* output,
            int32_t size) {
  const int32_t headroom = static_cast<int32_t>(1u << params.left_shift);
  // Element i is read before it is written and nothing else is read afterwards, so the output may
  // alias either input.
  for (int32_t i = 0; i < size; ++i) {
    const int32_t shifted0 = (static_cast<int32_t>(input0[i]) + params.input0_offset) * headroom;
    const int32_t shifted1 = (static_cast<int32_t>(input1[i]) + params.input1_offset) * headroom;
    const int32_t scaled0 =
        multiply_by_quantized_multiplier(shifted0, params.input0_multiplier, params.input0_shift);
    const int32_t scaled1 =
        multiply_by_quantized_multiplier(shifted1, params.input1_multiplier, params.input1_shift);
    const int32_t sum = multiply_by_quantized_multiplier(
        scaled0 + scaled1, params.output_multiplier, params.output_shift);
    output[i] = static_cast<int8_t>(
        clamp_i32(sum + params.output_offset, params.activation_min, params.activation_max));
  }
}

}  // namespace tinynas::runtime
