// int8 -> int8 requantization (TFLite QUANTIZE between int8 tensors, reference_ops::Requantize):
// the input's offset from its zero point, scaled by input_scale / output_scale, plus the output
// zero point, saturated to int8.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;

}  // namespace

void requantize_s8(const RequantizeParams& params, const int8_t* input, int8_t* output,
                   int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const int32_t scaled = multiply_by_quantized_multiplier(
        static_cast<int32_t>(input[i]) + params.input_offset, params.multiplier, params.shift);
    output[i] = static_cast<int8_t>(clamp_i32(scaled + params.output_offset, kInt8Min, kInt8Max));
  }
}

}  // namespace tinynas::runtime
