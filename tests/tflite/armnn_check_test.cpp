// Files from our writer load and run in an independent runtime: Arm NN's TfLite parser on its
// CpuRef backend (tests/tflite/armnn_run.py, run by the system python that Debian's pyarmnn is
// installed for), and give the outputs TFLite's int8 arithmetic prescribes, computed here.
// Skipped when pyarmnn is not importable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "tests/tflite/armnn_runner.h"
#include "tests/tflite/armnn_test.h"
#include "tests/tflite/tflite_test_models.h"
#include "tflite/model_writer.h"

namespace tinynas::tflite {
namespace {

namespace fs = std::filesystem;

// TFLite's fixed-point requantization: the real multiplier as a Q31 value and a shift, applied
// with a saturating rounding doubling high multiply and a rounding right shift.
struct QuantizedMultiplier {
  int32_t value = 0;
  int shift = 0;
};

QuantizedMultiplier quantize_multiplier(double real) {
  if (real == 0.0) return {};
  int shift = 0;
  const double fraction = std::frexp(real, &shift);
  int64_t value = std::llround(fraction * static_cast<double>(int64_t{1} << 31));
  if (value == int64_t{1} << 31) {
    value /= 2;
    ++shift;
  }
  return {static_cast<int32_t>(value), shift};
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t product = static_cast<int64_t>(a) * b;
  const int64_t nudge = product >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((product + nudge) / (int64_t{1} << 31));
}

int32_t rounding_divide_by_power_of_two(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0;
  const int right = m.shift > 0 ? 0 : -m.shift;
  return rounding_divide_by_power_of_two(
      saturating_rounding_doubling_high_mul(x * (1 << left), m.value), right);
}

// The int8 range a fused activation leaves, in the output's quantized units.
std::pair<int32_t, int32_t> activation_range(Activation activation, const Quantization& out) {
  const auto quantize = [&](float real) {
    return static_cast<int32_t>(out.zero_points[0] + std::lround(real / out.scales[0]));
  };
  int32_t low = -128;
  int32_t high = 127;
  if (activation == Activation::kRelu || activation == Activation::kRelu6) {
    low = std::max(low, quantize(0.0f));
  }
  if (activation == Activation::kRelu6) high = std::min(high, quantize(6.0f));
  return {low, high};
}

template <typename T>
std::vector<T> constant(const Model& model, const Tensor& tensor) {
  const std::vector<uint8_t>& bytes = model.buffers[tensor.buffer].data;
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

// The one operator of a model, its tensors and its constants (weights input 1, bias input 2).
struct SingleOperator {
  explicit SingleOperator(const Model& model)
      : op(model.subgraphs[0].operators[0]),
        in(tensor(model, op.inputs[0])),
        w(tensor(model, op.inputs[1])),
        out(tensor(model, op.outputs[0])),
        weights(constant<int8_t>(model, w)),
        bias(constant<int32_t>(model, tensor(model, op.inputs[2]))) {}

  static const Tensor& tensor(const Model& model, int32_t index) {
    return model.subgraphs[0].tensors[static_cast<size_t>(index)];
  }

  // The accumulator of output channel `channel` in output units: scaled by input scale times
  // the channel's weight scale over the output scale, offset by the output zero point, clamped.
  int8_t requantize(int32_t accumulator, int channel, std::pair<int32_t, int32_t> range) const {
    const std::vector<float>& w_scales = w.quantization.scales;
    const double weight_scale = w_scales[w_scales.size() == 1 ? 0 : static_cast<size_t>(channel)];
    const QuantizedMultiplier multiplier = quantize_multiplier(
        in.quantization.scales[0] * weight_scale / static_cast<double>(out.quantization.scales[0]));
    const int32_t value = multiply_by_quantized_multiplier(accumulator, multiplier) +
                          static_cast<int32_t>(out.quantization.zero_points[0]);
    return static_cast<int8_t>(std::clamp(value, range.first, range.second));
  }

  const Operator& op;
  const Tensor& in;
  const Tensor& w;
  const Tensor& out;
  const std::vector<int8_t> weights;
  const std::vector<int32_t> bias;
};

// The FULLY_CONNECTED of make_fully_connected_model, weights per channel or per tensor.
std::vector<int8_t> reference_fully_connected(const Model& model, const std::vector<int8_t>& x) {
  const SingleOperator fc(model);
  const int outputs = fc.w.shape[0];
  const int depth = fc.w.shape[1];
  const int32_t in_zero = static_cast<int32_t>(fc.in.quantization.zero_points[0]);
  const auto range = activation_range(std::get<FullyConnectedOptions>(fc.op.options).activation,
                                      fc.out.quantization);
  std::vector<int8_t> y(static_cast<size_t>(outputs));
  for (int o = 0; o < outputs; ++o) {
    int32_t acc = fc.bias[static_cast<size_t>(o)];
    for (int k = 0; k < depth; ++k) {
      acc += (x[static_cast<size_t>(k)] - in_zero) * fc.weights[static_cast<size_t>(o * depth + k)];
    }
    y[static_cast<size_t>(o)] = fc.requantize(acc, o, range);
  }
  return y;
}

// The CONV_2D of make_conv_model: NHWC input, OHWI weights, SAME padding.
std::vector<int8_t> reference_conv(const Model& model, const std::vector<int8_t>& x) {
  const SingleOperator conv(model);
  const auto& options = std::get<Conv2DOptions>(conv.op.options);
  const int in_h = conv.in.shape[1], in_w = conv.in.shape[2], channels = conv.in.shape[3];
  const int filters = conv.w.shape[0], k_h = conv.w.shape[1], k_w = conv.w.shape[2];
  const int out_h = conv.out.shape[1], out_w = conv.out.shape[2];
  const int stride = options.stride_h;
  const int pad_top = std::max((out_h - 1) * stride + k_h - in_h, 0) / 2;
  const int pad_left = std::max((out_w - 1) * stride + k_w - in_w, 0) / 2;
  const int32_t in_zero = static_cast<int32_t>(conv.in.quantization.zero_points[0]);
  const auto range = activation_range(options.activation, conv.out.quantization);
  std::vector<int8_t> y(static_cast<size_t>(out_h * out_w * filters));
  for (int oy = 0; oy < out_h; ++oy) {
    for (int ox = 0; ox < out_w; ++ox) {
      for (int f = 0; f < filters; ++f) {
        int32_t acc = conv.bias[static_cast<size_t>(f)];
        for (int ky = 0; ky < k_h; ++ky) {
          for (int kx = 0; kx < k_w; ++kx) {
            const int iy = oy * stride - pad_top + ky;
            const int ix = ox * stride - pad_left + kx;
            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
            for (int c = 0; c < channels; ++c) {
              const int32_t value = x[static_cast<size_t>((iy * in_w + ix) * channels + c)];
              const int32_t weight =
                  conv.weights[static_cast<size_t>(((f * k_h + ky) * k_w + kx) * channels + c)];
              acc += (value - in_zero) * weight;
            }
          }
        }
        y[static_cast<size_t>((oy * out_w + ox) * filters + f)] = conv.requantize(acc, f, range);
      }
    }
  }
  return y;
}

class ArmnnCheckTest : public testing::ArmnnTest {
 protected:
  // Writes the model with our writer and runs it in Arm NN on `input` (raw values of the
  // model's input type); returns the output's raw values.
  template <typename Out = int8_t, typename In>
  std::vector<Out> run_in_armnn(const Model& model, const std::vector<In>& input) {
    const testing::ArmnnResult result =
        testing::run_model_in_armnn(model, testing::raw_bytes(input), directory_.string());
    EXPECT_EQ(result.exit_code, 0) << result.log;
    return testing::values_of<Out>(result.bytes);
  }
};

// A comparison means something only if most expected values are not clamped.
void expect_mostly_unclamped(const std::vector<int8_t>& values) {
  const auto clamped =
      std::count_if(values.begin(), values.end(), [](int8_t v) { return v == -128 || v == 127; });
  EXPECT_LT(clamped * 4, static_cast<long>(values.size())) << "test data saturates";
}

// Arm NN's reference backend dequantizes, computes in float and rounds once; TFLite's
// fixed-point requantization rounds the accumulator twice. The two may then differ by one step
// where the real value lies next to a rounding boundary, and nowhere else.
void expect_matches_tflite(const std::vector<int8_t>& armnn, const std::vector<int8_t>& tflite) {
  ASSERT_EQ(armnn.size(), tflite.size());
  size_t identical = 0;
  for (size_t i = 0; i < armnn.size(); ++i) {
    EXPECT_LE(std::abs(armnn[i] - tflite[i]), 1)
        << "output " << i << ": Arm NN " << int{armnn[i]} << ", TFLite " << int{tflite[i]};
    if (armnn[i] == tflite[i]) ++identical;
  }
  EXPECT_GE(identical * 20, armnn.size() * 19) << identical << " of " << armnn.size();
}

// Arm NN 20.08 refuses per-channel FULLY_CONNECTED weights (TFLite added them later): the
// weights here are per tensor.
TEST_F(ArmnnCheckTest, FullyConnectedRunsAndMatchesTflitesArithmetic) {
  for (Activation activation : {Activation::kNone, Activation::kRelu}) {
    SCOPED_TRACE("activation " + std::to_string(static_cast<int>(activation)));
    const Model model = testing::make_fully_connected_model(32, 10, 11, activation, false);
    const std::vector<int8_t> input = testing::random_int8(32, 12);
    const std::vector<int8_t> expected = reference_fully_connected(model, input);
    expect_mostly_unclamped(expected);
    expect_matches_tflite(run_in_armnn(model, input), expected);
  }
}

TEST_F(ArmnnCheckTest, PerChannelConvRunsAndMatchesTflitesArithmetic) {
  for (int stride : {1, 2}) {
    SCOPED_TRACE("stride " + std::to_string(stride));
    const Model model = testing::make_conv_model(7, 3, 4, stride, 21, Activation::kNone);
    const std::vector<int8_t> input = testing::random_int8(7 * 7 * 3, 22);
    const std::vector<int8_t> expected = reference_conv(model, input);
    expect_mostly_unclamped(expected);
    expect_matches_tflite(run_in_armnn(model, input), expected);
  }
}

// The model with every operator whose options we decode (float in, QUANTIZE ... SOFTMAX,
// DEQUANTIZE, float out) loads and gives a probability distribution.
TEST_F(ArmnnCheckTest, EveryDecodedOperatorLoadsAndRuns) {
  std::vector<float> image(8 * 8 * 3);
  for (size_t i = 0; i < image.size(); ++i) image[i] = std::sin(0.37f * static_cast<float>(i));
  const std::vector<float> scores = run_in_armnn<float>(testing::make_cnn_model(3), image);
  ASSERT_EQ(scores.size(), 10u);
  float total = 0.0f;
  for (float score : scores) {
    EXPECT_GE(score, 0.0f);
    EXPECT_LE(score, 1.0f);
    total += score;
  }
  EXPECT_NEAR(total, 1.0f, 0.05f);  // int8 probabilities in steps of 1/256
}

}  // namespace
}  // namespace tinynas::tflite
