// Independent integer reference for the int8 kernels, written for clarity rather than speed and
// deliberately not sharing code with engine/runtime: requantization is exact int64 arithmetic
// with explicit floor division and explicit tie handling, and every convolution is a plain
// nested loop that checks each tap against the input bounds. The convolutions are split into an
// accumulation stage (exact int64 sums) and a requantization stage, so tests can pick
// multipliers and shifts that suit the accumulators they actually get.
#pragma once

#include <stdint.h>

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

// Accumulators of a depthwise convolution (depth multiplier 1, weights 1 x KH x KW x C).
inline std::vector<int64_t> depthwise_accumulators(const ConvGeometry& g, int32_t input_offset,
                                                   const std::vector<int8_t>& input,
                                                   const std::vector<int8_t>& filter,
                                                   const std::vector<int32_t>& bias) {
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
            const int64_t in = input[(static_cast<size_t>(iy) * g.input_w + ix) * g.input_c + c];
            const int64_t w = filter[(static_cast<size_t>(ky) * g.kernel_w + kx) * g.input_c + c];
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

}  // namespace tinynas::runtime::reference
