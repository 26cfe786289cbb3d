// Conversions at a model's real-valued edges (kModelFlagRealInput / kModelFlagRealOutput): the
// QUANTIZE and DEQUANTIZE ops a float TFLite model has at its input and output, run by the caller
// on its own buffers.
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"

namespace tinynas::runtime {

namespace {

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
// Beyond this the rounded quotient saturates whatever the zero point; the bound keeps the float
// to int32 conversion defined.
constexpr float kSaturatedQuotient = 512.0f;

}  // namespace

void quantize_real_s8(const float* input, int8_t* output, int32_t size, float scale,
                      int32_t zero_point) {
  for (int32_t i = 0; i < size; ++i) {
    float quotient = round_half_away_from_zero(input[i] / scale);
    if (quotient != quotient) quotient = 0.0f;  // NaN: real 0
    if (quotient > kSaturatedQuotient) quotient = kSaturatedQuotient;
    if (quotient < -kSaturatedQuotient) quotient = -kSaturatedQuotient;
    const int32_t value = static_cast<int32_t>(quotient) + zero_point;
    output[i] = static_cast<int8_t>(clamp_i32(value, kInt8Min, kInt8Max));
  }
}

// TFLite multiplies in double and rounds to float once; q - zero_point has at most 9 bits, so
// the exact product fits a double and the single-precision product rounds it the same way.
void dequantize_s8_real(const int8_t* input, float* output, int32_t size, float scale,
                        int32_t zero_point) {
  for (int32_t i = 0; i < size; ++i) {
    output[i] = scale * static_cast<float>(static_cast<int32_t>(input[i]) - zero_point);
  }
}

}  // namespace tinynas::runtime
