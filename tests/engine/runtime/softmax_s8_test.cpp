// softmax_s8 is TFLite's int8 softmax: bit-exact with an int64 rendering of gemmlowp's formulas
// on random rows, with the expected outputs CMSIS-NN's test suite records for TFLite's reference,
// close to the real softmax, and defined for long rows of equal values.
#include <gtest/gtest.h>

#include <cmath>
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

SoftmaxParams params_for(double beta, double input_scale) {
  const compiler::SoftmaxQuantization q = compiler::softmax_quantization(beta, input_scale);
  return SoftmaxParams{q.input_multiplier, q.input_left_shift, q.diff_min};
}

std::vector<int8_t> run_softmax(const SoftmaxParams& p, int32_t rows, int32_t depth,
                                const std::vector<int8_t>& input) {
  std::vector<int8_t> output(input.size());
  softmax_s8(p, rows, depth, input.data(), output.data());
  return output;
}

TEST(SoftmaxS8, MatchesReferenceOnRandomCases) {
  Random random(41);
  for (int i = 0; i < kRandomCases; ++i) {
    // Scales from a narrow to a very wide input range, beta as converters leave it (1) or not.
    const double input_scale = std::pow(2.0, random.uniform(-120, 20) / 10.0);
    const double beta = random.chance(0.7) ? 1.0 : random.uniform(1, 40) / 10.0;
    const SoftmaxParams p = params_for(beta, input_scale);
    const int32_t rows = random.uniform(1, 6);
    const int32_t depth = random.chance(0.9) ? random.uniform(1, 40) : random.uniform(500, 1200);
    const auto input = random.int8_values(static_cast<size_t>(rows) * depth);
    const auto expected =
        reference::softmax(p.input_multiplier, p.input_left_shift, p.diff_min, rows, depth, input);
    const auto actual = run_softmax(p, rows, depth, input);
    ASSERT_EQ(actual, expected) << "case " << i << " scale " << input_scale << " beta " << beta
                                << " depth " << depth << "; first difference at "
                                << first_difference(actual, expected);
  }
}

// CMSIS-NN's arm_softmax_s8 unit tests record TFLite's reference outputs for these parameters.
TEST(SoftmaxS8, MatchesTfliteReferenceVectors) {
  const std::vector<int8_t> two_rows{101, 49, 6, -34, -75, -79, -38, 120, -55, 115};
  EXPECT_EQ(run_softmax(SoftmaxParams{1077952640, 19, -3968}, 2, 5, two_rows),
            (std::vector<int8_t>{-57, -70, -79, -86, -92, -94, -88, -54, -91, -56}));
  const std::vector<int8_t> one_row{-80, -48, 16, 0, -96};
  EXPECT_EQ(run_softmax(SoftmaxParams{1077952576, 23, -248}, 1, 5, one_row),
            (std::vector<int8_t>{-128, -125, 56, -60, -128}));
}

// The first vector's parameters are TFLite's for input scale 1/255 and beta 1; a power-of-two
// scale gives an exact multiplier.
TEST(SoftmaxS8, CompilerParametersAreTflites) {
  const SoftmaxParams p = params_for(1.0, 1.0f / 255.0f);
  EXPECT_EQ(p.input_multiplier, 1077952640);
  EXPECT_EQ(p.input_left_shift, 19);
  EXPECT_EQ(p.diff_min, -3968);
  const SoftmaxParams exact = params_for(1.0, 0.0625);  // 2^-4 * 2^26 = 0.5 * 2^23
  EXPECT_EQ(exact.input_multiplier, int32_t{1} << 30);
  EXPECT_EQ(exact.input_left_shift, 23);
  EXPECT_EQ(exact.diff_min, -248);  // floor(31 * 2^26 / 2^23)
}

// Each output is the probability in units of 1/256 (offset by -128), within two units.
TEST(SoftmaxS8, StaysCloseToTheRealSoftmax) {
  Random random(42);
  const double input_scale = 0.1;
  const SoftmaxParams p = params_for(1.0, input_scale);
  for (int i = 0; i < 50; ++i) {
    const int32_t depth = random.uniform(2, 30);
    const auto input = random.int8_values(depth);
    const auto output = run_softmax(p, 1, depth, input);
    double sum = 0.0;
    for (int8_t v : input) sum += std::exp(input_scale * v);
    for (int32_t c = 0; c < depth; ++c) {
      const double probability = std::exp(input_scale * input[c]) / sum;
      EXPECT_NEAR((output[c] + 128) / 256.0, probability, 2.0 / 256.0) << "case " << i;
    }
  }
}

// A row of 600 equal values sums its exps past 512, where TFLite's final rounding shift exceeds
// 31 bits: every probability (1/600) rounds to 0, i.e. -128.
TEST(SoftmaxS8, LongRowsOfEqualValuesGiveZero) {
  const SoftmaxParams p = params_for(1.0, 0.05);
  const std::vector<int8_t> input(600, 17);
  EXPECT_EQ(run_softmax(p, 1, 600, input), std::vector<int8_t>(600, -128));
  // 300 equal values: 1/300 of 256 is 0.85, which rounds to 1.
  const std::vector<int8_t> shorter(300, 17);
  EXPECT_EQ(run_softmax(p, 1, 300, shorter), std::vector<int8_t>(300, -127));
}

// Differences below diff_min count as exp(-infinity): output -128, and no share of the sum.
TEST(SoftmaxS8, DifferencesBelowDiffMinAreZero) {
  const SoftmaxParams p = params_for(1.0, 1.0);  // large scale: diff_min is small
  ASSERT_GT(p.diff_min, -255);
  const std::vector<int8_t> input{127, static_cast<int8_t>(127 + p.diff_min - 1), 127};
  const auto output = run_softmax(p, 1, 3, input);
  EXPECT_EQ(output[1], -128);
  EXPECT_EQ(output[0], output[2]);
  EXPECT_EQ(output[0], 0);  // 1/2 of 256, offset by -128
}

TEST(SoftmaxQuantization, RefusesWhatTfliteRefuses) {
  EXPECT_THROW(compiler::softmax_quantization(1.0, 1e-9), std::invalid_argument);
  EXPECT_THROW(compiler::softmax_quantization(0.0, 0.1), std::invalid_argument);
  EXPECT_THROW(compiler::softmax_quantization(NAN, 0.1), std::invalid_argument);
  // A huge beta * scale is capped at 2^31 - 1: shift 31, only the row's maximum survives.
  const compiler::SoftmaxQuantization capped = compiler::softmax_quantization(1.0, 1000.0);
  EXPECT_EQ(capped.input_left_shift, 31);
  EXPECT_EQ(capped.input_multiplier, INT32_MAX);
  EXPECT_EQ(capped.diff_min, 0);
}

}  // namespace
}  // namespace tinynas::runtime
