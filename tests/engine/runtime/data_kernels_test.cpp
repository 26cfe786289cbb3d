// The version-2 kernels that move int8 values (max pool, pad, requantize, concatenation) and the
// real-valued edges: bit-exact with the references in reference_kernels.h on random cases, and
// TFLite's float rounding where floats are involved.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/runtime/kernels.h"
#include "tests/engine/runtime/kernel_test_cases.h"
#include "tests/engine/runtime/reference_kernels.h"

namespace tinynas::runtime {
namespace {

using testing::first_difference;
using testing::Padding;
using testing::Random;

constexpr int kRandomCases = 300;
constexpr int32_t kMaxSide = 20;
constexpr int32_t kMaxChannels = 40;

Shape shape_of(int32_t h, int32_t w, int32_t c) { return Shape{1, h, w, c}; }

TEST(MaxpoolS8, MatchesReferenceOnRandomCases) {
  Random random(61);
  for (int i = 0; i < kRandomCases; ++i) {
    PoolParams p{};
    p.kernel_h = random.pick({1, 2, 3, 4, 5, 7});
    p.kernel_w = random.chance(0.7) ? p.kernel_h : random.pick({1, 2, 3, 5});
    p.stride_h = random.pick({1, 2, 3});
    p.stride_w = random.chance(0.7) ? p.stride_h : random.pick({1, 2});
    const Padding padding = testing::random_padding(random);
    const auto rows = testing::random_dimension(random, p.kernel_h, p.stride_h, padding, kMaxSide);
    const auto cols = testing::random_dimension(random, p.kernel_w, p.stride_w, padding, kMaxSide);
    p.pad_top = rows.pad_before;
    p.pad_left = cols.pad_before;
    random.activation_range(&p.activation_min, &p.activation_max);
    const int32_t channels = random.uniform(1, kMaxChannels);
    const auto input = random.int8_values(static_cast<size_t>(rows.input) * cols.input * channels);
    const auto expected =
        reference::maxpool(p, rows.input, cols.input, channels, input, rows.output, cols.output);
    std::vector<int8_t> actual(expected.size());
    maxpool_s8(p, shape_of(rows.input, cols.input, channels), input.data(),
               shape_of(rows.output, cols.output, channels), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << "; first difference at "
                                << first_difference(actual, expected);
  }
}

// Padding is never read: a window of -100s next to the padding gives -100, not the zero point.
TEST(MaxpoolS8, PaddingNeverWins) {
  const std::vector<int8_t> input(4, -100);  // 2 x 2 x 1
  PoolParams p{};
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 1;
  p.pad_top = p.pad_left = 1;
  p.activation_min = -128;
  p.activation_max = 127;
  std::vector<int8_t> output(4);
  maxpool_s8(p, shape_of(2, 2, 1), input.data(), shape_of(2, 2, 1), output.data());
  EXPECT_EQ(output, std::vector<int8_t>(4, -100));
}

TEST(PadS8, MatchesReferenceOnRandomCases) {
  Random random(62);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t h = random.uniform(1, kMaxSide), w = random.uniform(1, kMaxSide);
    const int32_t channels = random.uniform(1, kMaxChannels);
    const int32_t top = random.uniform(0, 4), bottom = random.uniform(0, 4);
    const int32_t left = random.uniform(0, 4), right = random.uniform(0, 4);
    const int32_t value = random.zero_point();
    const auto input = random.int8_values(static_cast<size_t>(h) * w * channels);
    const int32_t out_h = h + top + bottom, out_w = w + left + right;
    const auto expected = reference::pad(top, left, value, h, w, channels, input, out_h, out_w);
    std::vector<int8_t> actual(expected.size());
    pad_s8(PadParams{top, left, value}, shape_of(h, w, channels), input.data(),
           shape_of(out_h, out_w, channels), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i;
  }
}

RequantizeParams random_requantization(Random& random) {
  RequantizeParams p{};
  p.input_offset = -random.zero_point();
  p.output_offset = random.zero_point();
  p.multiplier = random.multiplier();
  p.shift = random.uniform(-12, 8);  // scale ratios from 2^-13 to 2^8
  return p;
}

TEST(RequantizeS8, MatchesReferenceOnRandomCases) {
  Random random(63);
  for (int i = 0; i < kRandomCases; ++i) {
    const RequantizeParams p = random_requantization(random);
    const int32_t size = random.uniform(1, 300);
    const auto input = random.int8_values(size);
    std::vector<int8_t> expected(size);
    for (int32_t k = 0; k < size; ++k) {
      expected[k] = reference::requantize_value(input[k], -p.input_offset, p.output_offset,
                                                p.multiplier, p.shift);
    }
    std::vector<int8_t> actual(size);
    requantize_s8(p, input.data(), actual.data(), size);
    ASSERT_EQ(actual, expected) << "case " << i << "; first difference at "
                                << first_difference(actual, expected);
  }
}

TEST(ConcatenationS8, MatchesReferenceOnRandomCases) {
  Random random(64);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t pixels = random.uniform(1, 60);
    const int32_t count = random.uniform(2, kMaxConcatInputs);
    const int32_t output_offset = random.zero_point();
    std::vector<std::vector<int8_t>> data(count);
    std::vector<ConcatInput> inputs(count);
    int32_t output_c = 0;
    for (int32_t k = 0; k < count; ++k) {
      ConcatInput& in = inputs[k];
      in.channels = random.uniform(1, 9);
      in.requantize = random.chance(0.5);
      in.requant = random_requantization(random);
      in.requant.output_offset = output_offset;
      data[k] = random.int8_values(static_cast<size_t>(pixels) * in.channels);
      in.data = data[k].data();
      output_c += in.channels;
    }
    std::vector<int8_t> expected;
    for (int32_t p = 0; p < pixels; ++p) {
      for (int32_t k = 0; k < count; ++k) {
        for (int32_t c = 0; c < inputs[k].channels; ++c) {
          const int8_t q = data[k][static_cast<size_t>(p) * inputs[k].channels + c];
          const RequantizeParams& r = inputs[k].requant;
          expected.push_back(inputs[k].requantize
                                 ? reference::requantize_value(q, -r.input_offset, r.output_offset,
                                                               r.multiplier, r.shift)
                                 : q);
        }
      }
    }
    std::vector<int8_t> actual(expected.size());
    concatenation_s8(inputs.data(), count, pixels, output_c, actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << "; first difference at "
                                << first_difference(actual, expected);
  }
}

// TFLite AffineQuantize: round(x / scale) in single precision, halves away from zero, plus the
// zero point, clamped. Compared with the C library's roundf over random values and ties.
TEST(RealEdges, QuantizeIsTflitesAffineQuantize) {
  Random random(65);
  for (int i = 0; i < kRandomCases; ++i) {
    const float scale = static_cast<float>(random.uniform(1, 100000)) / 100000.0f;
    const int32_t zero_point = random.zero_point();
    std::vector<float> values(64);
    for (float& v : values) {
      const int32_t steps = random.uniform(-300, 300);
      // Exact halves (ties) half of the time, arbitrary values otherwise.
      v = random.chance(0.5) ? (static_cast<float>(steps) + 0.5f) * scale
                             : static_cast<float>(random.uniform(-3000000, 3000000)) / 10000.0f;
    }
    std::vector<int8_t> actual(values.size());
    quantize_real_s8(values.data(), actual.data(), static_cast<int32_t>(values.size()), scale,
                     zero_point);
    for (size_t k = 0; k < values.size(); ++k) {
      const int64_t rounded = static_cast<int64_t>(std::round(values[k] / scale)) + zero_point;
      const int64_t expected = rounded < -128 ? -128 : (rounded > 127 ? 127 : rounded);
      ASSERT_EQ(actual[k], expected)
          << "case " << i << " value " << values[k] << " scale " << scale;
    }
  }
  const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           1e30f,
                           -1e30f,
                           0.0f,
                           -0.0f};
  int8_t out[7];
  quantize_real_s8(special, out, 7, 0.5f, 3);
  EXPECT_EQ(out[0], 3);  // NaN: real 0
  EXPECT_EQ(out[1], 127);
  EXPECT_EQ(out[2], -128);
  EXPECT_EQ(out[3], 127);
  EXPECT_EQ(out[4], -128);
  EXPECT_EQ(out[5], 3);
  EXPECT_EQ(out[6], 3);
}

// TFLite Dequantize multiplies in double and rounds to float once.
TEST(RealEdges, DequantizeIsTflitesDequantize) {
  Random random(66);
  for (int i = 0; i < 50; ++i) {
    const float scale = static_cast<float>(random.uniform(1, 1000000)) / 7919.0f;
    const int32_t zero_point = random.zero_point();
    std::vector<int8_t> values(256);
    for (int k = 0; k < 256; ++k) values[k] = static_cast<int8_t>(k - 128);
    std::vector<float> actual(values.size());
    dequantize_s8_real(values.data(), actual.data(), 256, scale, zero_point);
    for (int k = 0; k < 256; ++k) {
      const float expected = static_cast<float>(static_cast<double>(scale) *
                                                static_cast<double>(values[k] - zero_point));
      ASSERT_EQ(actual[k], expected) << "scale " << scale << " q " << int{values[k]};
    }
  }
}

}  // namespace
}  // namespace tinynas::runtime
