#include "engine/compiler/quantization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/runtime/requantize.h"

namespace tinynas::compiler {
namespace {

constexpr int32_t kQ30 = 1 << 30;

// Runs `f`, expects std::invalid_argument whose message contains `needle`.
template <typename F>
void expect_invalid_argument(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument mentioning '" << needle << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

double real_value(const QuantizedMultiplier& q) {
  return static_cast<double>(q.multiplier) * std::ldexp(1.0, q.shift - 31);
}

TEST(QuantizeMultiplierTest, ZeroIsZeroWithZeroShift) {
  EXPECT_EQ(quantize_multiplier(0.0), (QuantizedMultiplier{0, 0}));
}

TEST(QuantizeMultiplierTest, PowersOfTwoAreExact) {
  EXPECT_EQ(quantize_multiplier(0.5), (QuantizedMultiplier{kQ30, 0}));
  EXPECT_EQ(quantize_multiplier(1.0), (QuantizedMultiplier{kQ30, 1}));
  EXPECT_EQ(quantize_multiplier(0.25), (QuantizedMultiplier{kQ30, -1}));
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, 29)), (QuantizedMultiplier{kQ30, 30}));
}

TEST(QuantizeMultiplierTest, MantissaIsRoundedToQ31) {
  EXPECT_EQ(quantize_multiplier(0.75), (QuantizedMultiplier{1610612736, 0}));
  // 0.1 = 0.8 * 2^-3; round(0.8 * 2^31) = 1717986918.
  EXPECT_EQ(quantize_multiplier(0.1), (QuantizedMultiplier{1717986918, -3}));
}

TEST(QuantizeMultiplierTest, MantissaRoundingUpToTwoPow31RaisesTheShift) {
  const double just_below_one = 1.0 - std::ldexp(1.0, -33);
  EXPECT_EQ(quantize_multiplier(just_below_one), (QuantizedMultiplier{kQ30, 1}));
}

TEST(QuantizeMultiplierTest, ValuesBelowTwoPowMinus32FlushToZero) {
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -33)), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -32)), (QuantizedMultiplier{kQ30, -31}));
}

TEST(QuantizeMultiplierTest, MultiplierIsQ31InRangeAndAccurate) {
  double real = 1e-7;
  while (real < 1e6) {
    const QuantizedMultiplier q = quantize_multiplier(real);
    EXPECT_GE(q.multiplier, kQ30) << real;
    EXPECT_GE(q.shift, -31) << real;
    EXPECT_LE(q.shift, 30) << real;
    EXPECT_NEAR(real_value(q), real, real * std::ldexp(1.0, -30)) << real;
    real *= 1.37;
  }
}

TEST(QuantizeMultiplierTest, RequantizationMatchesTheRealProduct) {
  const double real = 0.0123456;
  const QuantizedMultiplier q = quantize_multiplier(real);
  for (int32_t x : {-100000, -12345, -1, 0, 1, 999, 54321, 1000000}) {
    const int32_t y = runtime::multiply_by_quantized_multiplier(x, q.multiplier, q.shift);
    EXPECT_NEAR(y, x * real, 0.5 + 1e-6) << x;
  }
}

TEST(QuantizeMultiplierTest, RejectsNegativeNonFiniteAndTooLarge) {
  expect_invalid_argument([] { quantize_multiplier(-0.5); }, "-0.5");
  expect_invalid_argument([] { quantize_multiplier(std::nan("")); }, "NaN");
  expect_invalid_argument([] { quantize_multiplier(std::numeric_limits<double>::infinity()); },
                          "finite");
  expect_invalid_argument([] { quantize_multiplier(std::ldexp(1.0, 30)); }, "too large");
}

TEST(ActivationRangeTest, NoneIsTheFullInt8Range) {
  const ActivationRange r = activation_range(Activation::kNone, 0.1f, 5);
  EXPECT_EQ(r.min, -128);
  EXPECT_EQ(r.max, 127);
}

TEST(ActivationRangeTest, ReluClampsAtTheZeroPoint) {
  const ActivationRange r = activation_range(Activation::kRelu, 0.1f, 5);
  EXPECT_EQ(r.min, 5);
  EXPECT_EQ(r.max, 127);
  EXPECT_EQ(activation_range(Activation::kRelu, 0.1f, -128).min, -128);
}

TEST(ActivationRangeTest, Relu6ClampsAtSixInTheOutputQuantization) {
  const ActivationRange r = activation_range(Activation::kRelu6, 0.1f, 0);
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 60);
  const ActivationRange full = activation_range(Activation::kRelu6, 6.0f / 255.0f, -128);
  EXPECT_EQ(full.min, -128);
  EXPECT_EQ(full.max, 127);
  EXPECT_EQ(activation_range(Activation::kRelu6, 0.01f, 0).max, 127);  // 6 is beyond int8
}

TEST(ActivationRangeTest, RejectsBadOutputQuantization) {
  expect_invalid_argument([] { activation_range(Activation::kRelu, 0.0f, 0); }, "output scale");
  expect_invalid_argument([] { activation_range(Activation::kRelu, 0.1f, 128); }, "zero point");
}

TEST(PerChannelMultipliersTest, EachChannelIsInputTimesWeightOverOutput) {
  const auto q = per_channel_multipliers(0.5, {0.1f, 0.2f}, 0.25, 2);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0], quantize_multiplier(0.5 * double{0.1f} / 0.25));
  EXPECT_EQ(q[1], quantize_multiplier(0.5 * double{0.2f} / 0.25));
}

TEST(PerChannelMultipliersTest, OneScaleAppliesToEveryChannel) {
  const auto q = per_channel_multipliers(0.5, {0.1f}, 0.25, 3);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0], q[2]);
}

TEST(PerChannelMultipliersTest, NamesTheBadScale) {
  expect_invalid_argument(
      [] {
        per_channel_multipliers(0.5, {0.1f, 0.0f}, 0.25, 2);
      },
      "weight scale of channel 1");
  expect_invalid_argument([] { per_channel_multipliers(-1.0, {0.1f}, 0.25, 1); }, "input scale");
  expect_invalid_argument([] { per_channel_multipliers(0.5, {0.1f}, std::nan(""), 1); },
                          "output scale is NaN");
  expect_invalid_argument(
      [] {
        per_channel_multipliers(0.5, {0.1f, 0.1f}, 0.25, 3);
      },
      "2 weight scales for 3 channels");
}

TEST(AddQuantizationTest, FollowsTfliteAdd) {
  const AddQuantization q = add_quantization(0.1, 0.05, 0.2);
  EXPECT_EQ(q.left_shift, 20);
  EXPECT_EQ(q.input0, (QuantizedMultiplier{kQ30, 0}));   // 0.1 / 0.2 = 0.5
  EXPECT_EQ(q.input1, (QuantizedMultiplier{kQ30, -1}));  // 0.05 / 0.2 = 0.25
  EXPECT_EQ(q.output, quantize_multiplier(0.2 / (std::ldexp(1.0, 20) * 0.2)));
  EXPECT_LE(q.input0.shift, 0);
  EXPECT_LE(q.input1.shift, 0);
}

TEST(AddQuantizationTest, NamesTheBadScale) {
  expect_invalid_argument([] { add_quantization(0.1, 0.0, 0.2); }, "input1 scale");
  expect_invalid_argument([] { add_quantization(0.1, 0.1, -0.2); }, "output scale");
}

TEST(GlobalAveragePoolMultiplierTest, FoldsTheMeanIntoTheMultiplier) {
  EXPECT_EQ(global_average_pool_multiplier(0.1, 0.1, 4, 4), (QuantizedMultiplier{kQ30, -3}));
  EXPECT_EQ(global_average_pool_multiplier(0.3, 0.1, 7, 7),
            quantize_multiplier(0.3 / (0.1 * 7.0 * 7)));
  expect_invalid_argument([] { global_average_pool_multiplier(0.1, 0.1, 0, 4); }, "0x4");
  expect_invalid_argument([] { global_average_pool_multiplier(0.0, 0.1, 4, 4); }, "input scale");
}

}  // namespace
}  // namespace tinynas::compiler
