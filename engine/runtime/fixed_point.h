// gemmlowp's fixed-point arithmetic on int32 (gemmlowp/fixedpoint/fixedpoint.h), the parts that
// TFLite's int8 softmax uses: exp on negative values and 1 / (1 + x). A value in Qm.n (m integer
// bits, n = 31 - m fractional bits) is its raw int32; the callers track m, as gemmlowp's
// FixedPoint<int32_t, m> type does. A product of Qa and Qb values is the saturating rounding
// doubling high multiply of the raws and is in Q(a + b); sums are plain int32 sums (they stay in
// range for every input these functions are given).
#pragma once

#include <stdint.h>

#include "engine/runtime/requantize.h"

namespace tinynas::runtime::fixed_point {

inline int32_t add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// (a + b) / 2 rounded to nearest, halves away from zero (gemmlowp RoundingHalfSum).
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = int64_t{a} + int64_t{b};
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// x * 2^exponent for exponent in [1, 30], saturating at the int32 limits (gemmlowp
// SaturatingRoundingMultiplyByPOT with a positive exponent).
inline int32_t saturating_shift_left(int32_t x, int exponent) {
  const int32_t threshold = (int32_t{1} << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// exp(a) for a in [-1/4, 0), Q0.31 in and out: a Taylor expansion around -1/8.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  constexpr int32_t kExpMinusOneEighth = 1895147668;  // exp(-1/8) in Q0.31
  constexpr int32_t kOneThird = 715827883;            // 1/3 in Q0.31
  constexpr int32_t kOneEighth = int32_t{1} << 28;
  const int32_t x = add(a, kOneEighth);
  const int32_t x2 = mul(x, x);
  const int32_t x3 = mul(x2, x);
  const int32_t x4 = mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t x4_over_24_plus_x3_over_6_plus_x2_over_2 =
      rounding_divide_by_pot(add(mul(add(x4_over_4, x3), kOneThird), x2), 1);
  return add(kExpMinusOneEighth,
             mul(kExpMinusOneEighth, add(x, x4_over_24_plus_x3_over_6_plus_x2_over_2)));
}

// exp(a) for a <= 0 in Q(kIntegerBits).(31 - kIntegerBits), result in Q0.31 (exp(0) is the
// largest Q0.31 value, INT32_MAX). a mod 1/4 goes through the polynomial; each set bit of the rest
// multiplies by exp(-2^k), k = -2 .. 4 (gemmlowp's barrel shifter).
template <int kIntegerBits>
int32_t exp_on_negative_values(int32_t a) {
  static_assert(kIntegerBits >= 1 && kIntegerBits <= 30, "integer bits out of range");
  constexpr int kFractionalBits = 31 - kIntegerBits;
  constexpr int32_t kOneQuarter = int32_t{1} << (kFractionalBits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = sub(a & (kOneQuarter - 1), kOneQuarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      saturating_shift_left(a_mod_quarter_minus_one_quarter, kIntegerBits));
  const int32_t remainder = sub(a_mod_quarter_minus_one_quarter, a);
  struct Factor {
    int exponent;
    int32_t exp_of_minus_two_to_exponent;  // Q0.31
  };
  constexpr Factor kFactors[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                                 {2, 39332535},    {3, 720401},      {4, 242}};
  for (const Factor& factor : kFactors) {
    if (kIntegerBits <= factor.exponent) continue;
    const int bit = kFractionalBits + factor.exponent;
    if ((remainder & (int32_t{1} << bit)) != 0) {
      result = mul(result, factor.exp_of_minus_two_to_exponent);
    }
  }
  if (kIntegerBits > 5) {  // below -32 the result is 0
    constexpr int kClampBit = kIntegerBits > 5 ? 36 - kIntegerBits : 0;
    if (a < -(int32_t{1} << kClampBit)) result = 0;
  }
  return a == 0 ? INT32_MAX : result;
}

// 1 / (1 + a) for a in [0, 1), Q0.31 in and out: three Newton-Raphson steps from 48/17 - 32/17 * d
// on the half denominator d = (1 + a) / 2, computed in Q2.29.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  constexpr int32_t kFortyEightSeventeenths = 1515870810;            // 48/17 in Q2.29
  constexpr int32_t kMinusThirtyTwoSeventeenths = -1010580540;       // -32/17 in Q2.29
  constexpr int32_t kOneQ2 = int32_t{1} << 29;                       // 1 in Q2.29
  const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);  // Q0.31
  int32_t x = add(kFortyEightSeventeenths, mul(half_denominator, kMinusThirtyTwoSeventeenths));
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus_half_denominator_times_x = sub(kOneQ2, mul(half_denominator, x));
    // Q2 * Q2 is Q4: back to Q2 by a saturating shift left by 2.
    x = add(x, saturating_shift_left(mul(x, one_minus_half_denominator_times_x), 2));
  }
  // x / 2 in Q1.30 has x's raw value; back to Q0.31 by a saturating shift left by 1.
  return saturating_shift_left(x, 1);
}

}  // namespace tinynas::runtime::fixed_point
