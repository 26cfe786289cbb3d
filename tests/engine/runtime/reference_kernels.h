// Independent integer reference for the int8 kernels, written for clarity rather than speed and
// deliberately not sharing code with engine/runtime: requantization is exact int64 arithmetic
// with explicit floor division and explicit tie handling, and every convolution is a plain
// nested loop that checks each tap against the input bounds. The convolutions are split into an
// accumulation stage (exact int64 sums) and a requantization stage, so tests can pick
// multipliers and shifts that suit the accumulators they actually get.
#pragma once

#include <stdint.h>

#include <cmath>
#include <vector>

#include "engine/runtime/kernels.h"

namespace tinynas::runtime::reference {

inline constexpr int64_t kQ31One = int64_t{1} << 31;  // 1.0 in Q31
inline constexpr int64_t kQ31Half = int64_t{1} << 30;

// floor(a / b) for b > 0 (C++ division truncates toward zero instead).
inline int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to nearest with ties going
// up (toward +infinity), and the one unrepresentable result (INT32_MIN * INT32_MIN) saturated.
inline int32_t high_mul(int32_t a, int32_t b) {
  const int64_t exact = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t rounded = floor_div(exact + kQ31Half, kQ31One);
  return rounded > INT32_MAX ? INT32_MAX : static_cast<int32_t>(rounded);
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
inline int32_t divide_by_pot(int32_t x, int exponent) {
  const int64_t divisor = int64_t{1} << exponent;
  const int64_t magnitude = x < 0 ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  int64_t quotient = magnitude / divisor;
  const int64_t remainder = magnitude % divisor;
  if (2 * remainder >= divisor) ++quotient;
  return static_cast<int32_t>(x < 0 ? -quotient : quotient);
}

// TFLite MultiplyByQuantizedMultiplier. The caller guarantees x * 2^max(shift, 0) fits in int32
// (returns false otherwise, so a test can tell an unfit case from a result).
inline bool multiply_by_quantized_multiplier(int64_t x, int32_t multiplier, int shift,
                                             int32_t* result) {
  const int64_t shifted = shift > 0 ? x * (int64_t{1} << shift) : x;
  if (shifted < INT32_MIN || shifted > INT32_MAX) return false;
  const int32_t product = high_mul(static_cast<int32_t>(shifted), multiplier);
  *result = shift < 0 ? divide_by_pot(product, -shift) : product;
  return true;
}

// Requantizes one accumulator to int8; returns false if the accumulator or its left-shifted value
// does not fit in int32.
inline bool requantize(int64_t acc, int32_t multiplier, int shift, int32_t output_offset,
                       int32_t activation_min, int32_t activation_max, int8_t* result) {
  if (acc < INT32_MIN || acc > INT32_MAX) return false;
  int32_t scaled = 0;
  if (!multiply_by_quantized_multiplier(acc, multiplier, shift, &scaled)) return false;
  int64_t value = int64_t{scaled} + output_offset;
  if (value < activation_min) value = activation_min;
  if (value > activation_max) value = activation_max;
  *result = static_cast<int8_t>(value);
  return true;
}

struct ConvGeometry {
  int32_t input_h, input_w, input_c;
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t output_h, output_w, output_c;
};

// Accumulators (NHWC, int64) of a full convolution with OHWI weights; taps that fall into the
// padding are skipped. bias may be empty.
inline std::vector<int64_t> conv_accumulators(const ConvGeometry& g, int32_t input_offset,
                                              const std::vector<int8_t>& input,
                                              const std::vector<int8_t>& filter,
                                              const std::vector<int32_t>& bias) {
  std::vector<int64_t> acc(static_cast<size_t>(g.output_h) * g.output_w * g.output_c);
  for (int32_t oy = 0; oy < g.output_h; ++oy) {
    for (int32_t ox = 0; ox < g.output_w; ++ox) {
      for (int32_t oc = 0; oc < g.output_c; ++oc) {
        int64_t sum = bias.empty() ? 0 : bias[oc];
        for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t iy = oy * g.stride_h - g.pad_top + ky;
            const int32_t ix = ox * g.stride_w - g.pad_left + kx;
            if (iy < 0 || iy >= g.input_h || ix < 0 || ix >= g.input_w) continue;
            for (int32_t ic = 0; ic < g.input_c; ++ic) {
              const int64_t in = input[(static_cast<size_t>(iy) * g.input_w + ix) * g.input_c + ic];
              const int64_t w =
                  filter[((static_cast<size_t>(oc) * g.kernel_h + ky) * g.kernel_w + kx) *
                             g.input_c +
                         ic];
              sum += (in + input_offset) * w;
            }
          }
        }
        acc[(static_cast<size_t>(oy) * g.output_w + ox) * g.output_c + oc] = sum;
      }
    }
  }
  return acc;
}

// Accumulators of a depthwise convolution (weights 1 x KH x KW x C_out); with a depth multiplier
// M = C_out / C_in, output channel c reads input channel c / M (TFLite DEPTHWISE_CONV_2D).
inline std::vector<int64_t> depthwise_accumulators(const ConvGeometry& g, int32_t input_offset,
                                                   const std::vector<int8_t>& input,
                                                   const std::vector<int8_t>& filter,
                                                   const std::vector<int32_t>& bias) {
  const int32_t multiplier = g.output_c / g.input_c;
  std::vector<int64_t> acc(static_cast<size_t>(g.output_h) * g.output_w * g.output_c);
  for (int32_t oy = 0; oy < g.output_h; ++oy) {
    for (int32_t ox = 0; ox < g.output_w; ++ox) {
      for (int32_t c = 0; c < g.output_c; ++c) {
        int64_t sum = bias.empty() ? 0 : bias[c];
        for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t iy = oy * g.stride_h - g.pad_top + ky;
            const int32_t ix = ox * g.stride_w - g.pad_left + kx;
            if (iy < 0 || iy >= g.input_h || ix < 0 || ix >= g.input_w) continue;
            const int64_t in =
                input[(static_cast<size_t>(iy) * g.input_w + ix) * g.input_c + c / multiplier];
            const int64_t w = filter[(static_cast<size_t>(ky) * g.kernel_w + kx) * g.output_c + c];
            sum += (in + input_offset) * w;
          }
        }
        acc[(static_cast<size_t>(oy) * g.output_w + ox) * g.output_c + c] = sum;
      }
    }
  }
  return acc;
}

// Accumulators of a fully connected layer: weights O x K, input of K values.
inline std::vector<int64_t> fully_connected_accumulators(int32_t input_offset,
                                                         const std::vector<int8_t>& input,
                                                         const std::vector<int8_t>& filter,
                                                         const std::vector<int32_t>& bias,
                                                         int32_t output_count) {
  const size_t depth = input.size();
  std::vector<int64_t> acc(output_count);
  for (int32_t o = 0; o < output_count; ++o) {
    int64_t sum = bias.empty() ? 0 : bias[o];
    for (size_t k = 0; k < depth; ++k) {
      sum += (int64_t{input[k]} + input_offset) * int64_t{filter[o * depth + k]};
    }
    acc[o] = sum;
  }
  return acc;
}

// Per-channel requantization of NHWC accumulators (channel = index % channels). Returns false if
// any accumulator does not fit the int32 arithmetic.
inline bool requantize_all(const std::vector<int64_t>& acc, int32_t channels,
                           const std::vector<int32_t>& multiplier,
                           const std::vector<int32_t>& shift, int32_t output_offset,
                           int32_t activation_min, int32_t activation_max,
                           std::vector<int8_t>* output) {
  output->assign(acc.size(), 0);
  for (size_t i = 0; i < acc.size(); ++i) {
    const size_t c = i % static_cast<size_t>(channels);
    if (!requantize(acc[i], multiplier[c], shift[c], output_offset, activation_min, activation_max,
                    &(*output)[i])) {
      return false;
    }
  }
  return true;
}

// TFLite ADD int8 on one element pair.
inline int8_t add(const AddParams& p, int8_t a, int8_t b) {
  const int64_t shifted_a = (int64_t{a} + p.input0_offset) * (int64_t{1} << p.left_shift);
  const int64_t shifted_b = (int64_t{b} + p.input1_offset) * (int64_t{1} << p.left_shift);
  int32_t scaled_a = 0;
  int32_t scaled_b = 0;
  int32_t scaled_sum = 0;
  multiply_by_quantized_multiplier(shifted_a, p.input0_multiplier, p.input0_shift, &scaled_a);
  multiply_by_quantized_multiplier(shifted_b, p.input1_multiplier, p.input1_shift, &scaled_b);
  multiply_by_quantized_multiplier(int64_t{scaled_a} + scaled_b, p.output_multiplier,
                                   p.output_shift, &scaled_sum);
  int64_t value = int64_t{scaled_sum} + p.output_offset;
  if (value < p.activation_min) value = p.activation_min;
  if (value > p.activation_max) value = p.activation_max;
  return static_cast<int8_t>(value);
}

// TFLite AVERAGE_POOL_2D int8: mean of the in-bounds window cells, ties away from zero.
inline std::vector<int8_t> avgpool(const PoolParams& p, int32_t input_h, int32_t input_w,
                                   int32_t channels, const std::vector<int8_t>& input,
                                   int32_t output_h, int32_t output_w) {
  std::vector<int8_t> out(static_cast<size_t>(output_h) * output_w * channels);
  for (int32_t oy = 0; oy < output_h; ++oy) {
    for (int32_t ox = 0; ox < output_w; ++ox) {
      for (int32_t c = 0; c < channels; ++c) {
        int64_t sum = 0;
        int64_t count = 0;
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t iy = oy * p.stride_h - p.pad_top + ky;
            const int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (iy < 0 || iy >= input_h || ix < 0 || ix >= input_w) continue;
            sum += input[(static_cast<size_t>(iy) * input_w + ix) * channels + c];
            ++count;
          }
        }
        const int64_t magnitude = sum < 0 ? -sum : sum;
        int64_t mean = magnitude / count;
        if (2 * (magnitude % count) >= count) ++mean;
        if (sum < 0) mean = -mean;
        if (mean < p.activation_min) mean = p.activation_min;
        if (mean > p.activation_max) mean = p.activation_max;
        out[(static_cast<size_t>(oy) * output_w + ox) * channels + c] = static_cast<int8_t>(mean);
      }
    }
  }
  return out;
}

// Global average pool: clamp(zp_out + M * sum(in - zp_in)) per channel.
inline std::vector<int8_t> global_avgpool(const GlobalPoolParams& p, int32_t pixels,
                                          int32_t channels, const std::vector<int8_t>& input) {
  std::vector<int8_t> out(channels);
  for (int32_t c = 0; c < channels; ++c) {
    int64_t sum = 0;
    for (int32_t i = 0; i < pixels; ++i) {
      sum += int64_t{input[static_cast<size_t>(i) * channels + c]} + p.input_offset;
    }
    requantize(sum, p.output_multiplier, p.output_shift, p.output_offset, p.activation_min,
               p.activation_max, &out[c]);
  }
  return out;
}

// TFLite MAX_POOL_2D int8: the largest in-bounds window cell, then the activation clamp.
inline std::vector<int8_t> maxpool(const PoolParams& p, int32_t input_h, int32_t input_w,
                                   int32_t channels, const std::vector<int8_t>& input,
                                   int32_t output_h, int32_t output_w) {
  std::vector<int8_t> out(static_cast<size_t>(output_h) * output_w * channels);
  for (int32_t oy = 0; oy < output_h; ++oy) {
    for (int32_t ox = 0; ox < output_w; ++ox) {
      for (int32_t c = 0; c < channels; ++c) {
        int64_t largest = -128;
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t iy = oy * p.stride_h - p.pad_top + ky;
            const int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (iy < 0 || iy >= input_h || ix < 0 || ix >= input_w) continue;
            const int64_t v = input[(static_cast<size_t>(iy) * input_w + ix) * channels + c];
            if (v > largest) largest = v;
          }
        }
        if (largest < p.activation_min) largest = p.activation_min;
        if (largest > p.activation_max) largest = p.activation_max;
        out[(static_cast<size_t>(oy) * output_w + ox) * channels + c] =
            static_cast<int8_t>(largest);
      }
    }
  }
  return out;
}

// ---- TFLite's int8 softmax, from gemmlowp's published fixed-point formulas, in int64 ----
namespace softmax_detail {

// x * 2^e for e > 0 saturated to int32 the way gemmlowp's SaturatingRoundingMultiplyByPOT does
// (its threshold is 2^(31 - e) - 1 on either side).
inline int64_t saturating_times_pot(int64_t x, int e) {
  const int64_t threshold = (int64_t{1} << (31 - e)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * (int64_t{1} << e);
}

// exp(a / 2^31) * 2^31 for a in [-2^29, 0) (Q0.31): the polynomial around -1/8.
inline int64_t exp_near_zero(int64_t a) {
  const int64_t exp_minus_eighth = 1895147668;
  const int64_t third = 715827883;
  const int64_t x = a + (int64_t{1} << 28);
  const int64_t x2 = high_mul(static_cast<int32_t>(x), static_cast<int32_t>(x));
  const int64_t x3 = high_mul(static_cast<int32_t>(x2), static_cast<int32_t>(x));
  const int64_t x4 = high_mul(static_cast<int32_t>(x2), static_cast<int32_t>(x2));
  const int64_t x4_over_4 = divide_by_pot(static_cast<int32_t>(x4), 2);
  const int64_t inner =
      high_mul(static_cast<int32_t>(x4_over_4 + x3), static_cast<int32_t>(third)) + x2;
  const int64_t series = divide_by_pot(static_cast<int32_t>(inner), 1);
  return exp_minus_eighth +
         high_mul(static_cast<int32_t>(exp_minus_eighth), static_cast<int32_t>(x + series));
}

// exp of a Q5.26 value a <= 0, in Q0.31: a = -(k / 4) - r with r in (0, 1/4]; exp(-r) by the
// polynomial, then one factor exp(-2^j) per set bit j of k (j from -2 to 4).
inline int64_t exp_q5(int64_t a) {
  if (a == 0) return INT32_MAX;
  const int64_t quarter = int64_t{1} << 24;
  const int64_t below = floor_div(a, quarter) * quarter;  // the quarter at or below a
  const int64_t x = a - below - quarter;                  // in [-quarter, 0)
  int64_t result = exp_near_zero(saturating_times_pot(x, 5));
  const int64_t remainder = x - a;  // whole quarters, >= 0
  const int64_t factors[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int j = 0; j < 7; ++j) {
    if ((remainder >> (24 + j)) & 1) {
      result = high_mul(static_cast<int32_t>(result), static_cast<int32_t>(factors[j]));
    }
  }
  return result;
}

// 1 / (1 + a / 2^31) * 2^31 for a in [0, 2^31): Newton-Raphson in Q2.29 on d = (1 + a) / 2.
inline int64_t reciprocal_of_one_plus(int64_t a) {
  const int64_t sum = a + INT32_MAX;
  const int64_t half = (sum + (sum >= 0 ? 1 : -1)) / 2;  // RoundingHalfSum
  int64_t x = 1515870810 + high_mul(static_cast<int32_t>(half), -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int64_t one_minus =
        (int64_t{1} << 29) - high_mul(static_cast<int32_t>(half), static_cast<int32_t>(x));
    x +=
        saturating_times_pot(high_mul(static_cast<int32_t>(x), static_cast<int32_t>(one_minus)), 2);
  }
  return saturating_times_pot(x, 1);
}

}  // namespace softmax_detail

// TFLite SOFTMAX int8 (reference_ops::Softmax) over the last axis of `rows` rows.
inline std::vector<int8_t> softmax(int32_t input_multiplier, int32_t input_left_shift,
                                   int32_t diff_min, int32_t rows, int32_t depth,
                                   const std::vector<int8_t>& input) {
  using namespace softmax_detail;
  std::vector<int8_t> out(input.size());
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* in = input.data() + static_cast<size_t>(r) * depth;
    int64_t row_max = -128;
    for (int32_t c = 0; c < depth; ++c) row_max = in[c] > row_max ? in[c] : row_max;
    std::vector<int64_t> exps(depth, -1);
    int64_t sum = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int64_t diff = in[c] - row_max;
      if (diff < diff_min) continue;
      const int64_t scaled =
          high_mul(static_cast<int32_t>(diff * (int64_t{1} << input_left_shift)), input_multiplier);
      exps[c] = exp_q5(scaled);
      sum += divide_by_pot(static_cast<int32_t>(exps[c]), 12);  // Q0.31 -> Q12.19
    }
    int headroom_plus_one = 0;
    while (((sum << headroom_plus_one) & (int64_t{1} << 31)) == 0) ++headroom_plus_one;
    const int bits_over_unit = 12 - headroom_plus_one;
    const int64_t scale = reciprocal_of_one_plus((sum << headroom_plus_one) - (int64_t{1} << 31));
    const int exponent = bits_over_unit + 31 - 8;
    for (int32_t c = 0; c < depth; ++c) {
      int64_t value = -128;
      if (exps[c] >= 0) {
        const int64_t product =
            high_mul(static_cast<int32_t>(scale), static_cast<int32_t>(exps[c]));
        // Rounded to nearest; beyond 31 bits of shift every product rounds to 0.
        const int64_t probability =
            exponent > 31 ? 0 : divide_by_pot(static_cast<int32_t>(product), exponent);
        value = probability - 128;
        if (value > 127) value = 127;
      }
      out[static_cast<size_t>(r) * depth + c] = static_cast<int8_t>(value);
    }
  }
  return out;
}

// TFLite PAD int8: the input at (top, left) of the output, every other cell the pad value.
inline std::vector<int8_t> pad(int32_t top, int32_t left, int32_t value, int32_t input_h,
                               int32_t input_w, int32_t channels, const std::vector<int8_t>& input,
                               int32_t output_h, int32_t output_w) {
  std::vector<int8_t> out(static_cast<size_t>(output_h) * output_w * channels,
                          static_cast<int8_t>(value));
  for (int32_t y = 0; y < input_h; ++y) {
    for (int32_t x = 0; x < input_w; ++x) {
      for (int32_t c = 0; c < channels; ++c) {
        out[(static_cast<size_t>(y + top) * output_w + (x + left)) * channels + c] =
            input[(static_cast<size_t>(y) * input_w + x) * channels + c];
      }
    }
  }
  return out;
}

// TFLite QUANTIZE int8 -> int8 (reference_ops::Requantize) of one value.
inline int8_t requantize_value(int8_t q, int32_t input_zero_point, int32_t output_zero_point,
                               int32_t multiplier, int32_t shift) {
  int32_t scaled = 0;
  multiply_by_quantized_multiplier(int64_t{q} - input_zero_point, multiplier, shift, &scaled);
  int64_t value = int64_t{scaled} + output_zero_point;
  if (value < -128) value = -128;
  if (value > 127) value = 127;
  return static_cast<int8_t>(value);
}

// TFLite MEAN int8 over H x W as TFLite Micro computes it, for one channel's `values`.
inline int8_t mean(const MeanParams& p, const std::vector<int8_t>& values) {
  const int64_t count = static_cast<int64_t>(values.size());
  int64_t raw_sum = 0;
  for (int8_t v : values) raw_sum += v;
  int64_t result = 0;
  switch (p.mode) {
    case MeanMode::kRescaleThenDivide: {
      int32_t scaled = 0;
      multiply_by_quantized_multiplier(raw_sum - count * p.input_zero_point, p.multiplier, p.shift,
                                       &scaled);
      // Halves away from zero (C++ division truncates).
      const int64_t magnitude = scaled < 0 ? -int64_t{scaled} : int64_t{scaled};
      int64_t quotient = (magnitude + count / 2) / count;
      result = (scaled < 0 ? -quotient : quotient) + p.output_zero_point;
      break;
    }
    case MeanMode::kTruncatedMean:
      result = raw_sum / count;  // truncates toward zero, as C++ does
      break;
    case MeanMode::kFloat: {
      const float bias = static_cast<float>(-p.input_zero_point) * p.scale;
      const float mean_value = static_cast<float>(raw_sum) / static_cast<float>(count);
      const volatile float product = mean_value * p.scale;
      result = static_cast<int64_t>(std::round(product + bias)) + p.output_zero_point;
      break;
    }
  }
  if (result < -128) result = -128;
  if (result > 127) result = 127;
  return static_cast<int8_t>(result);
}

}  // namespace tinynas::runtime::reference
