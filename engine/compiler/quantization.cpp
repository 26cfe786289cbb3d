#include "engine/compiler/quantization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tinynas::compiler {
namespace {

constexpr int kQ31FractionBits = 31;
constexpr int kMinShift = -31;  // requantize.h: shift in [-31, 30]
constexpr int kMaxShift = 30;
constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
constexpr double kRelu6Limit = 6.0;

std::string describe(double value) {
  if (std::isnan(value)) return "NaN";
  return std::to_string(value);
}

void require_positive_scale(double scale, const std::string& what) {
  if (!(std::isfinite(scale) && scale > 0.0)) {
    throw std::invalid_argument(what + " is " + describe(scale) + " (expected a finite value > 0)");
  }
}

// TFLite QuantizeMultiplier with shifts up to `max_shift` (30 for every requantization the
// runtime applies with a pre-shift; softmax's input scaling allows 31).
QuantizedMultiplier quantize_multiplier_up_to(double real, int max_shift, const char* caller) {
  if (!std::isfinite(real) || real < 0.0) {
    throw std::invalid_argument(std::string(caller) + ": multiplier is " + describe(real) +
                                " (expected a finite value >= 0)");
  }
  if (real == 0.0) return {};
  int exponent = 0;
  const double mantissa = std::frexp(real, &exponent);  // real = mantissa * 2^exponent, [0.5, 1)
  auto q_fixed =
      static_cast<int64_t>(std::round(mantissa * static_cast<double>(1ll << kQ31FractionBits)));
  if (q_fixed == (1ll << kQ31FractionBits)) {
    q_fixed /= 2;
    ++exponent;
  }
  // Below 2^-32 every int32 input requantizes to 0 or +-1 rounding noise: TFLite flushes to 0.
  if (exponent < kMinShift) return {};
  if (exponent > max_shift) {
    throw std::invalid_argument(std::string(caller) + ": multiplier " + describe(real) +
                                " is too large (expected < 2^" + std::to_string(max_shift) + ")");
  }
  return {static_cast<int32_t>(q_fixed), exponent};
}

}  // namespace

QuantizedMultiplier quantize_multiplier(double real) {
  return quantize_multiplier_up_to(real, kMaxShift, "quantize_multiplier");
}

ActivationRange activation_range(Activation activation, float output_scale,
                                 int32_t output_zero_point) {
  require_positive_scale(output_scale, "activation_range: output scale");
  if (output_zero_point < kInt8Min || output_zero_point > kInt8Max) {
    throw std::invalid_argument("activation_range: output zero point is " +
                                std::to_string(output_zero_point) + " (expected [-128, 127])");
  }
  ActivationRange range;
  if (activation == Activation::kNone) return range;
  range.min = std::max(kInt8Min, output_zero_point);
  if (activation == Activation::kRelu6) {
    const double six = output_zero_point + std::round(kRelu6Limit / output_scale);
    range.max = static_cast<int32_t>(std::min<double>(kInt8Max, six));
  }
  return range;
}

std::vector<QuantizedMultiplier> per_channel_multipliers(double input_scale,
                                                         const std::vector<float>& weight_scales,
                                                         double output_scale, int channels) {
  require_positive_scale(input_scale, "per_channel_multipliers: input scale");
  require_positive_scale(output_scale, "per_channel_multipliers: output scale");
  if (channels < 1) {
    throw std::invalid_argument("per_channel_multipliers: channel count is " +
                                std::to_string(channels) + " (expected >= 1)");
  }
  if (weight_scales.size() != 1 && weight_scales.size() != static_cast<size_t>(channels)) {
    throw std::invalid_argument("per_channel_multipliers: " + std::to_string(weight_scales.size()) +
                                " weight scales for " + std::to_string(channels) +
                                " channels (expected 1 or " + std::to_string(channels) + ")");
  }
  std::vector<QuantizedMultiplier> result;
  result.reserve(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const double weight_scale = weight_scales.size() == 1 ? weight_scales[0] : weight_scales[c];
    require_positive_scale(weight_scale,
                           "per_channel_multipliers: weight scale of channel " + std::to_string(c));
    result.push_back(quantize_multiplier(input_scale * weight_scale / output_scale));
  }
  return result;
}

AddQuantization add_quantization(double input0_scale, double input1_scale, double output_scale) {
  require_positive_scale(input0_scale, "add_quantization: input0 scale");
  require_positive_scale(input1_scale, "add_quantization: input1 scale");
  require_positive_scale(output_scale, "add_quantization: output scale");
  AddQuantization result;
  const double twice_max_input_scale = 2.0 * std::max(input0_scale, input1_scale);
  result.input0 = quantize_multiplier(input0_scale / twice_max_input_scale);
  result.input1 = quantize_multiplier(input1_scale / twice_max_input_scale);
  result.output = quantize_multiplier(twice_max_input_scale /
                                      (static_cast<double>(1 << result.left_shift) * output_scale));
  return result;
}

QuantizedMultiplier global_average_pool_multiplier(double input_scale, double output_scale,
                                                   int height, int width) {
  require_positive_scale(input_scale, "global_average_pool_multiplier: input scale");
  require_positive_scale(output_scale, "global_average_pool_multiplier: output scale");
  if (height < 1 || width < 1) {
    throw std::invalid_argument("global_average_pool_multiplier: input is " +
                                std::to_string(height) + "x" + std::to_string(width) +
                                " (expected H, W >= 1)");
  }
  return quantize_multiplier(input_scale / (output_scale * static_cast<double>(height) * width));
}

QuantizedMultiplier requantization_multiplier(double input_scale, double output_scale) {
  require_positive_scale(input_scale, "requantization_multiplier: input scale");
  require_positive_scale(output_scale, "requantization_multiplier: output scale");
  return quantize_multiplier(input_scale / output_scale);
}

SoftmaxQuantization softmax_quantization(double beta, double input_scale) {
  constexpr int kScaledDiffIntegerBits = 5;  // TFLite's Q5.26 exp arguments
  constexpr int kTotalSignedBits = 31;
  constexpr int kMaxSoftmaxShift = 31;
  constexpr double kMaxRealMultiplier = static_cast<double>((1ll << 31) - 1);
  require_positive_scale(beta, "softmax_quantization: beta");
  require_positive_scale(input_scale, "softmax_quantization: input scale");
  const double real = std::min(
      beta * input_scale * static_cast<double>(1 << (kTotalSignedBits - kScaledDiffIntegerBits)),
      kMaxRealMultiplier);
  if (!(real > 1.0)) {
    throw std::invalid_argument("softmax_quantization: beta * input scale is " +
                                describe(beta * input_scale) + " (TFLite needs more than 2^-26)");
  }
  const QuantizedMultiplier q =
      quantize_multiplier_up_to(real, kMaxSoftmaxShift, "softmax_quantization");
  SoftmaxQuantization result;
  result.input_multiplier = q.multiplier;
  result.input_left_shift = q.shift;
  const double max_input_rescaled =
      static_cast<double>((1 << kScaledDiffIntegerBits) - 1) *
      static_cast<double>(1ll << (kTotalSignedBits - kScaledDiffIntegerBits)) /
      static_cast<double>(1ll << q.shift);
  result.diff_min = -static_cast<int32_t>(std::floor(max_input_rescaled));
  return result;
}

MeanQuantization mean_quantization(float input_scale, int32_t input_zero_point, float output_scale,
                                   int32_t output_zero_point, bool keep_dims) {
  require_positive_scale(input_scale, "mean_quantization: input scale");
  require_positive_scale(output_scale, "mean_quantization: output scale");
  MeanQuantization result;
  if (keep_dims) {
    result.mode = runtime::MeanMode::kRescaleThenDivide;
    result.multiplier = requantization_multiplier(input_scale, output_scale);
  } else if (input_zero_point == output_zero_point && input_scale == output_scale) {
    result.mode = runtime::MeanMode::kTruncatedMean;
  } else {
    result.mode = runtime::MeanMode::kFloat;
    result.scale = input_scale / output_scale;  // single precision, as TFLite Micro divides
  }
  return result;
}

}  // namespace tinynas::compiler
