// requantize.h against hand-computed values and against the exact int64 reference in
// reference_kernels.h, at the edges (INT32_MIN/MAX, ties, shifts 0 and 31, multipliers at the
// ends of [2^30, 2^31)) and on random values.
#include "engine/runtime/requantize.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/engine/runtime/kernel_test_cases.h"
#include "tests/engine/runtime/reference_kernels.h"

namespace tinynas::runtime {
namespace {

constexpr int32_t kHalf = int32_t{1} << 30;  // 0.5 in Q31
constexpr int kRandomValues = 200000;
constexpr int kMaxRightShift = 31;

const std::vector<int32_t>& edge_values() {
  static const std::vector<int32_t> values{INT32_MIN,
                                           INT32_MIN + 1,
                                           -(int32_t{1} << 30) - 1,
                                           -(int32_t{1} << 30),
                                           -65537,
                                           -65536,
                                           -3,
                                           -2,
                                           -1,
                                           0,
                                           1,
                                           2,
                                           3,
                                           65535,
                                           65536,
                                           int32_t{1} << 30,
                                           (int32_t{1} << 30) + 1,
                                           INT32_MAX - 1,
                                           INT32_MAX};
  return values;
}

TEST(SaturatingRoundingDoublingHighMul, HandComputedValues) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kHalf, kHalf), int32_t{1} << 29);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MAX), -INT32_MAX);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
  // 2^30 * 1 / 2^31 = 0.5 rounds up to 1; -0.5 rounds up to 0 (gemmlowp nudges ties upward).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kHalf, 1), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-kHalf, 1), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kHalf, 3), 2);    // 1.5 -> 2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-kHalf, 3), -1);  // -1.5 -> -1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kHalf - 1, 1), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-kHalf - 1, 1), -1);
}

TEST(SaturatingRoundingDoublingHighMul, MatchesReferenceAtEdgesAndRandomly) {
  for (const int32_t a : edge_values()) {
    for (const int32_t b : edge_values()) {
      EXPECT_EQ(saturating_rounding_doubling_high_mul(a, b), reference::high_mul(a, b))
          << a << " * " << b;
    }
  }
  testing::Random random(21);
  for (int i = 0; i < kRandomValues; ++i) {
    const int32_t a = random.uniform(INT32_MIN, INT32_MAX);
    const int32_t b = random.uniform(INT32_MIN, INT32_MAX);
    ASSERT_EQ(saturating_rounding_doubling_high_mul(a, b), reference::high_mul(a, b))
        << a << " * " << b;
  }
}

TEST(RoundingDivideByPot, HandComputedValues) {
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);    // 1.5 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);  // -1.5 -> -2 (ties away from zero)
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);    // 1.25 -> 1
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(rounding_divide_by_pot(7, 0), 7);
  EXPECT_EQ(rounding_divide_by_pot(INT32_MIN, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(INT32_MAX, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(INT32_MIN, 0), INT32_MIN);
  EXPECT_EQ(rounding_divide_by_pot(kHalf - 1, 31), 0);
  EXPECT_EQ(rounding_divide_by_pot(-kHalf, 31), -1);  // -0.5 -> -1
}

TEST(RoundingDivideByPot, MatchesReferenceAtEdgesAndRandomly) {
  for (const int32_t x : edge_values()) {
    for (int exponent = 0; exponent <= kMaxRightShift; ++exponent) {
      EXPECT_EQ(rounding_divide_by_pot(x, exponent), reference::divide_by_pot(x, exponent))
          << x << " / 2^" << exponent;
    }
  }
  testing::Random random(22);
  for (int i = 0; i < kRandomValues; ++i) {
    const int32_t x = random.uniform(INT32_MIN, INT32_MAX);
    const int exponent = random.uniform(0, kMaxRightShift);
    ASSERT_EQ(rounding_divide_by_pot(x, exponent), reference::divide_by_pot(x, exponent))
        << x << " / 2^" << exponent;
  }
}

TEST(MultiplyByQuantizedMultiplier, HandComputedValues) {
  // 0.5 * 2^1 == 1.0 and 0.5 * 2^-1 == 0.25.
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, kHalf, 1), 1000);
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, kHalf, -1), 250);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1002, kHalf, -2), -125);  // -125.25 -> -125
  EXPECT_EQ(multiply_by_quantized_multiplier(-1004, kHalf, -3), -63);   // -62.75 -> -63
  EXPECT_EQ(multiply_by_quantized_multiplier(12345, 0, 5), 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(INT32_MIN, kHalf, -31), -1);  // -0.5 -> -1
  EXPECT_EQ(multiply_by_quantized_multiplier(INT32_MIN, INT32_MAX, -31), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(1, kHalf, 30), int32_t{1} << 29);
}

TEST(MultiplyByQuantizedMultiplier, MatchesReferenceAtEdgesAndRandomly) {
  const std::vector<int32_t> multipliers{0, kHalf, kHalf + 1, 1518500250, INT32_MAX - 1, INT32_MAX};
  for (const int32_t x : edge_values()) {
    for (const int32_t m : multipliers) {
      for (int shift = testing::kMinShift; shift <= testing::kMaxShift; ++shift) {
        int32_t expected = 0;
        // Left shifts that overflow int32 are outside the contract; skip them.
        if (!reference::multiply_by_quantized_multiplier(x, m, shift, &expected)) continue;
        EXPECT_EQ(multiply_by_quantized_multiplier(x, m, shift), expected)
            << x << " * " << m << " * 2^" << shift;
      }
    }
  }
  testing::Random random(23);
  for (int i = 0; i < kRandomValues; ++i) {
    const int32_t shift = random.uniform(testing::kMinShift, testing::kMaxShift);
    const int32_t x = random.uniform(INT32_MIN, INT32_MAX) >> (shift > 0 ? shift : 0);
    const int32_t m = random.multiplier();
    int32_t expected = 0;
    ASSERT_TRUE(reference::multiply_by_quantized_multiplier(x, m, shift, &expected));
    ASSERT_EQ(multiply_by_quantized_multiplier(x, m, shift), expected)
        << x << " * " << m << " * 2^" << shift;
  }
}

TEST(ClampI32, ClampsToTheClosedRange) {
  EXPECT_EQ(clamp_i32(-200, -128, 127), -128);
  EXPECT_EQ(clamp_i32(200, -128, 127), 127);
  EXPECT_EQ(clamp_i32(5, -128, 127), 5);
  EXPECT_EQ(clamp_i32(-128, -128, 127), -128);
  EXPECT_EQ(clamp_i32(INT32_MIN, 0, 6), 0);
}

}  // namespace
}  // namespace tinynas::runtime
