// The int8 kernels agree exactly with the independent reference in reference_kernels.h on random
// shapes, strides, paddings, zero points, multipliers and activation ranges, including inputs
// that saturate, zero points at -128/127 and a null bias; plus hand-computed cases that pin down
// the padding and saturation semantics without any reference code.
#include "engine/runtime/kernels.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/engine/runtime/kernel_test_cases.h"
#include "tests/engine/runtime/reference_kernels.h"

namespace tinynas::runtime {
namespace {

using testing::data_or_null;
using testing::first_difference;
using testing::Padding;
using testing::Random;

constexpr int kRandomCases = 300;
constexpr int32_t kMaxSide = 20;
constexpr int32_t kMaxConvChannels = 8;
constexpr int32_t kMaxPointwiseChannels = 40;
constexpr int32_t kMaxDepthwiseChannels = 40;  // more than two 16-channel blocks
constexpr int32_t kMaxFcDepth = 300;
constexpr int32_t kMaxFcOutputs = 50;
constexpr int32_t kMaxAddSize = 500;
constexpr int32_t kMaxAddLeftShift = 22;  // keeps the sum of two shifted inputs inside int32
constexpr int32_t kMaxAddInputShift = 6;
constexpr int32_t kMultiplierOne = INT32_MAX;  // closest Q31 value to 1.0
constexpr int32_t kMultiplierHalf = int32_t{1} << 30;

struct RandomConv {
  reference::ConvGeometry geometry;
  ConvParams params;
  std::vector<int8_t> input, filter;
  std::vector<int32_t> bias, multiplier, shift;
  std::string description;
};

Shape shape_of(int32_t h, int32_t w, int32_t c) { return Shape{1, h, w, c}; }

// Zero points, activation range and data for a convolution of geometry `g`; the filter has
// `filter_elements` values. Multipliers are chosen afterwards from the accumulators.
RandomConv random_conv_operands(Random& random, const reference::ConvGeometry& g,
                                size_t filter_elements, int32_t bias_channels) {
  RandomConv conv;
  conv.geometry = g;
  conv.params.input_offset = -random.zero_point();
  conv.params.output_offset = random.zero_point();
  conv.params.stride_h = g.stride_h;
  conv.params.stride_w = g.stride_w;
  conv.params.pad_top = g.pad_top;
  conv.params.pad_left = g.pad_left;
  random.activation_range(&conv.params.activation_min, &conv.params.activation_max);
  conv.input = random.int8_values(static_cast<size_t>(g.input_h) * g.input_w * g.input_c);
  conv.filter = random.int8_values(filter_elements);
  conv.bias = random.bias(bias_channels);
  conv.description = "input " + std::to_string(g.input_h) + "x" + std::to_string(g.input_w) + "x" +
                     std::to_string(g.input_c) + " kernel " + std::to_string(g.kernel_h) + "x" +
                     std::to_string(g.kernel_w) + " stride " + std::to_string(g.stride_h) + "," +
                     std::to_string(g.stride_w) + " pad " + std::to_string(g.pad_top) + "," +
                     std::to_string(g.pad_left) + " output " + std::to_string(g.output_h) + "x" +
                     std::to_string(g.output_w) + "x" + std::to_string(g.output_c) +
                     " input_offset " + std::to_string(conv.params.input_offset) +
                     " output_offset " + std::to_string(conv.params.output_offset) + " act [" +
                     std::to_string(conv.params.activation_min) + "," +
                     std::to_string(conv.params.activation_max) + "]" +
                     (conv.bias.empty() ? " no bias" : "");
  return conv;
}

// Square odd kernels mostly; also even and very unequal sides (TFLite's 10 x 4 speech kernels)
// and unequal strides up to 4.
reference::ConvGeometry random_geometry(Random& random, int32_t input_c, int32_t output_c,
                                        int32_t max_side) {
  const int32_t kernel_h = random.pick({1, 2, 3, 4, 5, 7, 10});
  const int32_t kernel_w = random.chance(0.7) ? kernel_h : random.pick({1, 2, 3, 4, 5, 7});
  const int32_t stride_h = random.pick({1, 2, 1, 2, 3, 4});
  const int32_t stride_w = random.chance(0.7) ? stride_h : random.pick({1, 2, 3});
  const Padding padding = testing::random_padding(random);
  const auto rows = testing::random_dimension(random, kernel_h, stride_h, padding, max_side);
  const auto cols = testing::random_dimension(random, kernel_w, stride_w, padding, max_side);
  return reference::ConvGeometry{rows.input,      cols.input,  input_c,     kernel_h,
                                 kernel_w,        stride_h,    stride_w,    rows.pad_before,
                                 cols.pad_before, rows.output, cols.output, output_c};
}

// Reference output of `conv` given its accumulators; picks the multipliers/shifts first.
std::vector<int8_t> requantized_reference(Random& random, RandomConv& conv,
                                          const std::vector<int64_t>& acc, int32_t channels) {
  random.requantization(acc, channels, &conv.multiplier, &conv.shift);
  std::vector<int8_t> expected;
  EXPECT_TRUE(reference::requantize_all(acc, channels, conv.multiplier, conv.shift,
                                        conv.params.output_offset, conv.params.activation_min,
                                        conv.params.activation_max, &expected))
      << "test case overflows int32: " << conv.description;
  return expected;
}

TEST(Conv2dS8, MatchesReferenceOnRandomCases) {
  Random random(1);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t input_c = random.uniform(1, kMaxConvChannels);
    const int32_t output_c = random.uniform(1, kMaxConvChannels);
    const auto g = random_geometry(random, input_c, output_c, kMaxSide);
    RandomConv conv = random_conv_operands(
        random, g, static_cast<size_t>(output_c) * g.kernel_h * g.kernel_w * input_c, output_c);
    const auto acc = reference::conv_accumulators(g, conv.params.input_offset, conv.input,
                                                  conv.filter, conv.bias);
    const auto expected = requantized_reference(random, conv, acc, output_c);

    std::vector<int8_t> actual(expected.size());
    conv2d_s8(conv.params, {conv.multiplier.data(), conv.shift.data()},
              shape_of(g.input_h, g.input_w, input_c), conv.input.data(),
              Shape{output_c, g.kernel_h, g.kernel_w, input_c}, conv.filter.data(),
              data_or_null(conv.bias), shape_of(g.output_h, g.output_w, output_c), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << ": " << conv.description
                                << "; first difference at " << first_difference(actual, expected);
  }
}

TEST(Conv2d1x1S8, MatchesReferenceOnRandomCases) {
  Random random(2);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t input_c = random.uniform(1, kMaxPointwiseChannels);
    const int32_t output_c = random.uniform(1, kMaxPointwiseChannels);
    const int32_t h = random.uniform(1, kMaxSide);
    const int32_t w = random.uniform(1, kMaxSide);
    const reference::ConvGeometry g{h, w, input_c, 1, 1, 1, 1, 0, 0, h, w, output_c};
    RandomConv conv =
        random_conv_operands(random, g, static_cast<size_t>(output_c) * input_c, output_c);
    const auto acc = reference::conv_accumulators(g, conv.params.input_offset, conv.input,
                                                  conv.filter, conv.bias);
    const auto expected = requantized_reference(random, conv, acc, output_c);

    std::vector<int8_t> actual(expected.size());
    conv2d_1x1_s8(conv.params, {conv.multiplier.data(), conv.shift.data()}, shape_of(h, w, input_c),
                  conv.input.data(), Shape{output_c, 1, 1, input_c}, conv.filter.data(),
                  data_or_null(conv.bias), shape_of(h, w, output_c), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << ": " << conv.description
                                << "; first difference at " << first_difference(actual, expected);
  }
}

TEST(DepthwiseConv2dS8, MatchesReferenceOnRandomCases) {
  Random random(3);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t channels = random.uniform(1, kMaxDepthwiseChannels);
    const auto g = random_geometry(random, channels, channels, kMaxSide);
    RandomConv conv = random_conv_operands(
        random, g, static_cast<size_t>(g.kernel_h) * g.kernel_w * channels, channels);
    const auto acc = reference::depthwise_accumulators(g, conv.params.input_offset, conv.input,
                                                       conv.filter, conv.bias);
    const auto expected = requantized_reference(random, conv, acc, channels);

    std::vector<int8_t> actual(expected.size());
    depthwise_conv2d_s8(conv.params, {conv.multiplier.data(), conv.shift.data()},
                        shape_of(g.input_h, g.input_w, channels), conv.input.data(),
                        Shape{1, g.kernel_h, g.kernel_w, channels}, conv.filter.data(),
                        data_or_null(conv.bias), shape_of(g.output_h, g.output_w, channels),
                        actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << ": " << conv.description
                                << "; first difference at " << first_difference(actual, expected);
  }
}

// TFLite DEPTHWISE_CONV_2D with a depth multiplier: output channel c reads input channel
// c / multiplier.
TEST(DepthwiseConv2dS8, DepthMultiplierMatchesReferenceOnRandomCases) {
  Random random(31);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t input_c = random.uniform(1, 12);
    const int32_t multiplier = random.pick({2, 3, 4, 8});
    const int32_t output_c = input_c * multiplier;
    const auto g = random_geometry(random, input_c, output_c, kMaxSide);
    RandomConv conv = random_conv_operands(
        random, g, static_cast<size_t>(g.kernel_h) * g.kernel_w * output_c, output_c);
    const auto acc = reference::depthwise_accumulators(g, conv.params.input_offset, conv.input,
                                                       conv.filter, conv.bias);
    const auto expected = requantized_reference(random, conv, acc, output_c);

    std::vector<int8_t> actual(expected.size());
    depthwise_conv2d_s8(conv.params, {conv.multiplier.data(), conv.shift.data()},
                        shape_of(g.input_h, g.input_w, input_c), conv.input.data(),
                        Shape{1, g.kernel_h, g.kernel_w, output_c}, conv.filter.data(),
                        data_or_null(conv.bias), shape_of(g.output_h, g.output_w, output_c),
                        actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << " multiplier " << multiplier << ": "
                                << conv.description << "; first difference at "
                                << first_difference(actual, expected);
  }
}

TEST(FullyConnectedS8, MatchesReferenceOnRandomCases) {
  Random random(4);
  for (int i = 0; i < kRandomCases; ++i) {
    // The input may come as any H x W x C whose product is the depth K.
    const int32_t c = random.uniform(1, kMaxFcDepth / 4);
    const int32_t w = random.uniform(1, 2);
    const int32_t h = random.uniform(1, 2);
    const int32_t depth = h * w * c;
    const int32_t outputs = random.uniform(1, kMaxFcOutputs);
    const reference::ConvGeometry g{h, w, c, 1, 1, 1, 1, 0, 0, 1, 1, outputs};
    RandomConv conv =
        random_conv_operands(random, g, static_cast<size_t>(outputs) * depth, outputs);
    const auto acc = reference::fully_connected_accumulators(conv.params.input_offset, conv.input,
                                                             conv.filter, conv.bias, outputs);
    const auto expected = requantized_reference(random, conv, acc, outputs);

    std::vector<int8_t> actual(expected.size());
    fully_connected_s8(conv.params, {conv.multiplier.data(), conv.shift.data()}, shape_of(h, w, c),
                       conv.input.data(), Shape{outputs, 1, 1, depth}, conv.filter.data(),
                       data_or_null(conv.bias), shape_of(1, 1, outputs), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << ": " << conv.description
                                << "; first difference at " << first_difference(actual, expected);
  }
}

AddParams random_add_params(Random& random) {
  AddParams p{};
  p.input0_offset = -random.zero_point();
  p.input1_offset = -random.zero_point();
  p.left_shift = random.chance(0.7) ? 20 : random.uniform(0, kMaxAddLeftShift);
  p.input0_multiplier = random.multiplier();
  p.input1_multiplier = random.multiplier();
  p.input0_shift = random.chance(0.9) ? random.uniform(-kMaxAddInputShift, 0)
                                      : random.uniform(testing::kMinShift, 0);
  p.input1_shift = random.chance(0.9) ? random.uniform(-kMaxAddInputShift, 0)
                                      : random.uniform(testing::kMinShift, 0);
  p.output_multiplier = random.multiplier();
  // TFLite's output shift undoes the left shift: around -left_shift, sometimes anywhere.
  p.output_shift = random.chance(0.8) ? -p.left_shift + random.uniform(-2, 2)
                                      : random.uniform(testing::kMinShift, 0);
  if (p.output_shift > 0) p.output_shift = 0;
  p.output_offset = random.zero_point();
  random.activation_range(&p.activation_min, &p.activation_max);
  return p;
}

TEST(AddS8, MatchesReferenceOnRandomCases) {
  Random random(5);
  for (int i = 0; i < kRandomCases; ++i) {
    const AddParams p = random_add_params(random);
    const int32_t size = random.uniform(1, kMaxAddSize);
    const auto a = random.int8_values(size);
    const auto b = random.int8_values(size);
    std::vector<int8_t> expected(size);
    for (int32_t k = 0; k < size; ++k) expected[k] = reference::add(p, a[k], b[k]);

    std::vector<int8_t> actual(size);
    add_s8(p, a.data(), b.data(), actual.data(), size);
    ASSERT_EQ(actual, expected) << "case " << i << " left_shift " << p.left_shift
                                << "; first difference at " << first_difference(actual, expected);
  }
}

TEST(AddS8, OutputMayAliasEitherInput) {
  Random random(6);
  for (int i = 0; i < kRandomCases / 10; ++i) {
    const AddParams p = random_add_params(random);
    const int32_t size = random.uniform(1, kMaxAddSize);
    const auto a = random.int8_values(size);
    const auto b = random.int8_values(size);
    std::vector<int8_t> expected(size);
    for (int32_t k = 0; k < size; ++k) expected[k] = reference::add(p, a[k], b[k]);

    auto into_a = a;
    add_s8(p, into_a.data(), b.data(), into_a.data(), size);
    EXPECT_EQ(into_a, expected) << "output aliasing input0, case " << i;
    auto into_b = b;
    add_s8(p, a.data(), into_b.data(), into_b.data(), size);
    EXPECT_EQ(into_b, expected) << "output aliasing input1, case " << i;
  }
}

TEST(AvgpoolS8, MatchesReferenceOnRandomCases) {
  Random random(7);
  for (int i = 0; i < kRandomCases; ++i) {
    PoolParams p{};
    p.kernel_h = random.pick({1, 2, 3, 5, 7});
    p.kernel_w = random.chance(0.8) ? p.kernel_h : random.pick({1, 2, 3, 5, 7});
    p.stride_h = random.pick({1, 2});
    p.stride_w = random.chance(0.8) ? p.stride_h : random.pick({1, 2});
    const Padding padding = testing::random_padding(random);
    const auto rows = testing::random_dimension(random, p.kernel_h, p.stride_h, padding, kMaxSide);
    const auto cols = testing::random_dimension(random, p.kernel_w, p.stride_w, padding, kMaxSide);
    p.pad_top = rows.pad_before;
    p.pad_left = cols.pad_before;
    random.activation_range(&p.activation_min, &p.activation_max);
    const int32_t channels = random.uniform(1, kMaxDepthwiseChannels);
    const auto input = random.int8_values(static_cast<size_t>(rows.input) * cols.input * channels);
    const auto expected =
        reference::avgpool(p, rows.input, cols.input, channels, input, rows.output, cols.output);

    std::vector<int8_t> actual(expected.size());
    avgpool_s8(p, shape_of(rows.input, cols.input, channels), input.data(),
               shape_of(rows.output, cols.output, channels), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << " input " << rows.input << "x" << cols.input
                                << " kernel " << p.kernel_h << "x" << p.kernel_w << " pad "
                                << p.pad_top << "," << p.pad_left << "; first difference at "
                                << first_difference(actual, expected);
  }
}

TEST(GlobalAvgpoolS8, MatchesReferenceOnRandomCases) {
  Random random(8);
  for (int i = 0; i < kRandomCases; ++i) {
    const int32_t h = random.uniform(1, kMaxSide);
    const int32_t w = random.uniform(1, kMaxSide);
    const int32_t channels = random.uniform(1, kMaxDepthwiseChannels);
    GlobalPoolParams p{};
    p.input_offset = -random.zero_point();
    p.output_offset = random.zero_point();
    random.activation_range(&p.activation_min, &p.activation_max);
    const auto input = random.int8_values(static_cast<size_t>(h) * w * channels);
    std::vector<int64_t> sums(channels, 0);
    for (size_t k = 0; k < input.size(); ++k) sums[k % channels] += input[k] + p.input_offset;
    std::vector<int32_t> multiplier, shift;
    // One multiplier for all channels: choose it as if the sums were one channel.
    random.requantization(sums, 1, &multiplier, &shift);
    p.output_multiplier = multiplier[0];
    p.output_shift = shift[0];
    const auto expected = reference::global_avgpool(p, h * w, channels, input);

    std::vector<int8_t> actual(channels);
    global_avgpool_s8(p, shape_of(h, w, channels), input.data(), actual.data());
    ASSERT_EQ(actual, expected) << "case " << i << " input " << h << "x" << w << "x" << channels
                                << "; first difference at " << first_difference(actual, expected);
  }
}

// 3x3 input of real value 1 stored with zero point 3 (so q = 4), 3x3 kernel of ones, same
// padding, real multiplier 1: each output counts the taps inside the input. Padded cells must
// contribute real zero, not (0 + input_offset) * w.
TEST(Conv2dS8, PaddedCellsContributeNothing) {
  const int32_t zero_point = 3;
  const std::vector<int8_t> input(9, static_cast<int8_t>(1 + zero_point));
  const std::vector<int8_t> filter(9, 1);
  const int32_t multiplier = kMultiplierHalf;
  const int32_t shift = 1;  // 0.5 * 2^1 == 1.0
  ConvParams params{};
  params.input_offset = -zero_point;
  params.output_offset = 0;
  params.stride_h = params.stride_w = 1;
  params.pad_top = params.pad_left = 1;
  params.activation_min = testing::kInt8Min;
  params.activation_max = testing::kInt8Max;
  std::vector<int8_t> output(9);
  conv2d_s8(params, {&multiplier, &shift}, shape_of(3, 3, 1), input.data(), Shape{1, 3, 3, 1},
            filter.data(), nullptr, shape_of(3, 3, 1), output.data());
  EXPECT_EQ(output, (std::vector<int8_t>{4, 6, 4, 6, 9, 6, 4, 6, 4}));

  std::vector<int8_t> depthwise_output(9);
  depthwise_conv2d_s8(params, {&multiplier, &shift}, shape_of(3, 3, 1), input.data(),
                      Shape{1, 3, 3, 1}, filter.data(), nullptr, shape_of(3, 3, 1),
                      depthwise_output.data());
  EXPECT_EQ(depthwise_output, (std::vector<int8_t>{4, 6, 4, 6, 9, 6, 4, 6, 4}));
}

// Largest possible accumulators (input 127 with zero point -128, weights +-128) saturate to the
// int8 limits instead of wrapping.
TEST(Conv2d1x1S8, SaturatesAtInt8Limits) {
  const int32_t channels = 64;
  const std::vector<int8_t> input(channels, testing::kInt8Max);
  std::vector<int8_t> filter(2 * channels, testing::kInt8Min);  // channel 0: -128
  for (int32_t k = channels; k < 2 * channels; ++k) filter[k] = testing::kInt8Max;  // 1: 127
  const int32_t multiplier[2] = {kMultiplierOne, kMultiplierOne};
  const int32_t shift[2] = {0, 0};
  ConvParams params{};
  params.input_offset = 128;
  params.output_offset = 0;
  params.stride_h = params.stride_w = 1;
  params.activation_min = testing::kInt8Min;
  params.activation_max = testing::kInt8Max;
  int8_t output[2] = {0, 0};
  conv2d_1x1_s8(params, {multiplier, shift}, shape_of(1, 1, channels), input.data(),
                Shape{2, 1, 1, channels}, filter.data(), nullptr, shape_of(1, 1, 2), output);
  EXPECT_EQ(output[0], testing::kInt8Min);
  EXPECT_EQ(output[1], testing::kInt8Max);
}

// TFLite AVERAGE_POOL_2D rounds the mean half away from zero: mean(1, 2) = 1.5 -> 2 and
// mean(-1, -2) = -1.5 -> -2.
TEST(AvgpoolS8, RoundsHalfAwayFromZero) {
  const std::vector<int8_t> input{1, -1, 2, -2};  // 1 x 2 x 2 (two channels)
  PoolParams p{};
  p.kernel_h = 1;
  p.kernel_w = 2;
  p.stride_h = p.stride_w = 1;
  p.activation_min = testing::kInt8Min;
  p.activation_max = testing::kInt8Max;
  int8_t output[2] = {0, 0};
  avgpool_s8(p, shape_of(1, 2, 2), input.data(), shape_of(1, 1, 2), output);
  EXPECT_EQ(output[0], 2);
  EXPECT_EQ(output[1], -2);
}

TEST(Kernels, ConvolutionsOutOfPlaceNeedNoScratch) {
  const Shape input = shape_of(48, 48, 16);
  EXPECT_EQ(conv2d_s8_get_buffer_size(input, Shape{96, 3, 3, 16}), 0);
  EXPECT_EQ(conv2d_1x1_s8_get_buffer_size(input, Shape{96, 1, 1, 16}), 0);
  EXPECT_EQ(depthwise_conv2d_s8_get_buffer_size(input, Shape{1, 7, 7, 16}), 0);
}

}  // namespace
}  // namespace tinynas::runtime
