// mean_s8 computes TFLite MEAN over H and W the three ways TFLite Micro does (MeanMode), each
// bit-exact with a reference written from TFLite Micro's formulas, and the compiler picks the way
// TFLite Micro would for the op's keep_dims and quantization.
#include <gtest/gtest.h>

#include <vector>

#include "engine/compiler/quantization.h"
#include "engine/runtime/kernels.h"
#include "tests/engine/runtime/kernel_test_cases.h"
#include "tests/engine/runtime/reference_kernels.h"

namespace tinynas::runtime {
namespace {

using testing::first_difference;
using testing::Random;

constexpr int kRandomCases = 300;
constexpr int32_t kMaxSide = 24;
constexpr int32_t kMaxChannels = 40;

std::vector<int8_t> expected_means(const MeanParams& p, int32_t pixels, int32_t channels,
                                   const std::vector<int8_t>& input) {
  std::vector<int8_t> out(channels);
  for (int32_t c = 0; c < channels; ++c) {
    std::vector<int8_t> values;
    for (int32_t i = 0; i < pixels; ++i)
      values.push_back(input[static_cast<size_t>(i) * channels + c]);
    out[c] = reference::mean(p, values);
  }
  return out;
}

// Random quantizations in and out, through the compiler's mean_quantization, so each mode gets
// the parameters a real model would carry.
TEST(MeanS8, MatchesReferenceInEveryMode) {
  Random random(51);
  int cases_per_mode[3] = {0, 0, 0};
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t h = random.uniform(1, kMaxSide);
    const int32_t w = random.uniform(1, kMaxSide);
    const int32_t channels = random.uniform(1, kMaxChannels);
    const float input_scale = static_cast<float>(random.uniform(1, 400)) / 1000.0f;
    const int32_t input_zero_point = random.zero_point();
    const bool same = random.chance(0.3);
    const float output_scale =
        same ? input_scale : static_cast<float>(random.uniform(1, 400)) / 1000.0f;
    const int32_t output_zero_point = same ? input_zero_point : random.zero_point();
    const bool keep_dims = random.chance(0.4);
    const compiler::MeanQuantization q = compiler::mean_quantization(
        input_scale, input_zero_point, output_scale, output_zero_point, keep_dims);
    MeanParams p{};
    p.mode = q.mode;
    p.input_zero_point = input_zero_point;
    p.output_zero_point = output_zero_point;
    p.multiplier = q.multiplier.multiplier;
    p.shift = q.multiplier.shift;
    p.scale = q.scale;
    ++cases_per_mode[static_cast<int>(q.mode)];
    const auto input = random.int8_values(static_cast<size_t>(h) * w * channels);
    const auto expected = expected_means(p, h * w, channels, input);
    std::vector<int8_t> actual(channels);
    mean_s8(p, Shape{1, h, w, channels}, input.data(), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << " mode " << static_cast<int>(q.mode) << " " << h
                                << "x" << w << "x" << channels << "; first difference at "
                                << first_difference(actual, expected);
  }
  for (int count : cases_per_mode) EXPECT_GT(count, 20);
}

TEST(MeanQuantization, PicksTfliteMicrosComputation) {
  using compiler::mean_quantization;
  EXPECT_EQ(mean_quantization(0.1f, 3, 0.2f, -1, true).mode, MeanMode::kRescaleThenDivide);
  EXPECT_EQ(mean_quantization(0.1f, 3, 0.1f, 3, true).mode, MeanMode::kRescaleThenDivide);
  EXPECT_EQ(mean_quantization(0.1f, 3, 0.1f, 3, false).mode, MeanMode::kTruncatedMean);
  EXPECT_EQ(mean_quantization(0.1f, 3, 0.1f, 4, false).mode, MeanMode::kFloat);
  const compiler::MeanQuantization f = mean_quantization(0.1f, 3, 0.3f, 4, false);
  EXPECT_EQ(f.scale, 0.1f / 0.3f);
  // keep_dims: the multiplier of input / output scale, the count divided separately.
  const compiler::MeanQuantization r = mean_quantization(0.25f, 0, 0.5f, 0, true);
  EXPECT_EQ(r.multiplier.multiplier, int32_t{1} << 30);
  EXPECT_EQ(r.multiplier.shift, 0);
}

// Hand-computed values that pin down each mode's rounding.
TEST(MeanS8, RoundingOfEachMode) {
  // Two pixels of one channel: -3 and 0, zero point 0. Real mean -1.5.
  const std::vector<int8_t> input{-3, 0};
  MeanParams p{};
  p.input_zero_point = 0;
  p.output_zero_point = 0;
  int8_t out = 0;
  // Rescale (identity: 2^30 * 2^1) then divide: (-3 - 1) / 2 = -2, halves away from zero.
  p.mode = MeanMode::kRescaleThenDivide;
  p.multiplier = int32_t{1} << 30;
  p.shift = 1;
  mean_s8(p, Shape{1, 1, 2, 1}, input.data(), &out);
  EXPECT_EQ(out, -2);
  // Truncated: -3 / 2 = -1 (toward zero).
  p.mode = MeanMode::kTruncatedMean;
  mean_s8(p, Shape{1, 1, 2, 1}, input.data(), &out);
  EXPECT_EQ(out, -1);
  // Float, scale 1: round(-1.5) = -2.
  p.mode = MeanMode::kFloat;
  p.scale = 1.0f;
  mean_s8(p, Shape{1, 1, 2, 1}, input.data(), &out);
  EXPECT_EQ(out, -2);
}

}  // namespace
}  // namespace tinynas::runtime
