// TFLite MEAN over H and W, int8, as TFLite Micro computes it (reduce_common.cc,
// EvalMeanHelper): one of three computations, picked when the model is written (MeanMode).
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

namespace {

// Channels summed together: NHWC keeps them adjacent, so the inner loop reads contiguous bytes.
constexpr int32_t kChannelBlock = 16;
constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;

// reference_integer_ops::Mean: requantize, then divide by the count rounding halves away from
// zero (the sign test is TFLite's: 0 takes the second branch, which gives 0 too).
int8_t rescale_then_divide(const MeanParams& params, int32_t offset_sum, int32_t count) {
  int32_t value = multiply_by_quantized_multiplier(offset_sum, params.multiplier, params.shift);
  value = value > 0 ? (value + count / 2) / count : (value - count / 2) / count;
  return static_cast<int8_t>(clamp_i32(value + params.output_zero_point, kInt8Min, kInt8Max));
}

// reference_ops::QuantizedMeanOrSum in single precision. The product is kept apart from the sum
// (volatile) so that no compiler fuses them into one rounding (an FMA), which TFLite's own
// build would only do on some targets.
int8_t float_mean(const MeanParams& params, int32_t sum, int32_t count) {
  const float bias = static_cast<float>(-params.input_zero_point) * params.scale;
  const float mean = static_cast<float>(sum) / static_cast<float>(count);
  const volatile float scaled = mean * params.scale;
  float result =
      round_half_away_from_zero(scaled + bias) + static_cast<float>(params.output_zero_point);
  if (!(result < static_cast<float>(kInt8Max))) result = static_cast<float>(kInt8Max);
  if (result < static_cast<float>(kInt8Min)) result = static_cast<float>(kInt8Min);
  return static_cast<int8_t>(static_cast<int32_t>(result));
}

}  // namespace

void mean_s8(const MeanParams& params, const Shape& input_shape, const int8_t* input,
             int8_t* output) {
  const int32_t count = input_shape.h * input_shape.w;
  const int32_t channels = input_shape.c;
  for (int32_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
    const int32_t block = min_i32(kChannelBlock, channels - c0);
    int32_t sum[kChannelBlock] = {};
    const int8_t* in = input + c0;
    for (int32_t p = 0; p < count; ++p) {
      for (int32_t j = 0; j < block; ++j) sum[j] += in[j];
      in += channels;
    }
    for (int32_t j = 0; j < block; ++j) {
      int8_t value = 0;
      switch (params.mode) {
        case MeanMode::kRescaleThenDivide:
          value = rescale_then_divide(params, sum[j] - count * params.input_zero_point, count);
          break;
        case MeanMode::kTruncatedMean:  // reference_ops::Mean: C++ division truncates
          value = static_cast<int8_t>(sum[j] / count);
          break;
        case MeanMode::kFloat:
          value = float_mean(params, sum[j], count);
          break;
      }
      output[c0 + j] = value;
    }
  }
}

}  // namespace tinynas::runtime
