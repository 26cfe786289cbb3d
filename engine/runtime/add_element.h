// One element of TFLite's int8 ADD: both inputs brought to a common fixed-point scale (offset,
// left shift for headroom, per-input multiplier), summed, and the sum rescaled to the output
// quantization. The plain add_s8 runs it for every element; faster paths (the Cortex-M DSP add)
// fall back to it where their bounds do not hold.
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

inline int8_t add_s8_element(const AddParams& params, int32_t x0, int32_t x1) {
  const int32_t headroom = static_cast<int32_t>(1u << params.left_shift);
  const int32_t scaled0 = multiply_by_quantized_multiplier(
      (x0 + params.input0_offset) * headroom, params.input0_multiplier, params.input0_shift);
  const int32_t scaled1 = multiply_by_quantized_multiplier(
      (x1 + params.input1_offset) * headroom, params.input1_multiplier, params.input1_shift);
  const int32_t sum = multiply_by_quantized_multiplier(scaled0 + scaled1, params.output_multiplier,
                                                       params.output_shift);
  return static_cast<int8_t>(
      clamp_i32(sum + params.output_offset, params.activation_min, params.activation_max));
}

}  // namespace tinynas::runtime
