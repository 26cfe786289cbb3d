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

}  // namespace

QuantizedMultiplier quantize_multiplier(double real) {
  if (!std::isfinite(real) || real < 0.0) {
    throw std::invalid_argument("quantize_multiplier: multiplier is " + describe(real) +
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
  if (exponent > kMaxShift) {
    throw std::invalid_argument("quantize_multiplier: multiplier " + describe(real) +
                                " is too large (expected < 2^30)");
  }
  return {static_cast<int32_t>(q_fixed), exponent};
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

}  // namespace tinynas::compiler
