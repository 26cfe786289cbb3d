// In-place depthwise convolution: same result as the out-of-place kernel and the reference, on
// random shapes, kernels, strides and paddings, while writing nothing outside the activation
// buffer and nothing beyond the scratch size it reports (checked with guard bytes).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/runtime/kernels.h"
#include "tests/engine/runtime/kernel_test_cases.h"
#include "tests/engine/runtime/reference_kernels.h"

namespace tinynas::runtime {
namespace {

using testing::data_or_null;
using testing::first_difference;
using testing::Padding;
using testing::Random;

constexpr int kRandomCases = 400;
constexpr int32_t kMaxSide = 24;
constexpr int32_t kMaxChannels = 24;
constexpr size_t kGuardBytes = 64;
// Two different guard fillings: a stray write of the one value would go unnoticed.
constexpr int8_t kGuardPatterns[] = {0x5A, -0x4C};

struct InPlaceCase {
  int32_t h, w, c, kernel_h, kernel_w, output_h, output_w;
  ConvParams params;
  std::vector<int8_t> input, filter;
  std::vector<int32_t> bias, multiplier, shift;
  std::string description;
};

// A random depthwise case whose output fits in its input (output_h <= h, output_w <= w), the
// precondition of the in-place kernel.
InPlaceCase random_case(Random& random) {
  for (;;) {
    InPlaceCase t{};
    t.kernel_h = random.pick({1, 3, 5, 7});
    t.kernel_w = random.chance(0.8) ? t.kernel_h : random.pick({1, 3, 5, 7});
    // Strides 3 and 4 exceed some kernels, so rows between windows are never needed.
    const int32_t stride_h = random.chance(0.9) ? random.pick({1, 2}) : random.pick({3, 4});
    const int32_t stride_w = random.chance(0.8) ? stride_h : random.pick({1, 2});
    const Padding padding = testing::random_padding(random);
    const auto rows = testing::random_dimension(random, t.kernel_h, stride_h, padding, kMaxSide);
    const auto cols = testing::random_dimension(random, t.kernel_w, stride_w, padding, kMaxSide);
    if (rows.output > rows.input || cols.output > cols.input) continue;
    t.h = rows.input;
    t.w = cols.input;
    t.c = random.uniform(1, kMaxChannels);
    t.output_h = rows.output;
    t.output_w = cols.output;
    t.params.input_offset = -random.zero_point();
    t.params.output_offset = random.zero_point();
    t.params.stride_h = stride_h;
    t.params.stride_w = stride_w;
    t.params.pad_top = rows.pad_before;
    t.params.pad_left = cols.pad_before;
    random.activation_range(&t.params.activation_min, &t.params.activation_max);
    t.input = random.int8_values(static_cast<size_t>(t.h) * t.w * t.c);
    t.filter = random.int8_values(static_cast<size_t>(t.kernel_h) * t.kernel_w * t.c);
    t.bias = random.bias(t.c);
    t.description = "input " + std::to_string(t.h) + "x" + std::to_string(t.w) + "x" +
                    std::to_string(t.c) + " kernel " + std::to_string(t.kernel_h) + "x" +
                    std::to_string(t.kernel_w) + " stride " + std::to_string(stride_h) + "," +
                    std::to_string(stride_w) + " pad " + std::to_string(t.params.pad_top) + "," +
                    std::to_string(t.params.pad_left) + " output " + std::to_string(t.output_h) +
                    "x" + std::to_string(t.output_w);
    return t;
  }
}

bool all_equal(const std::vector<int8_t>& bytes, size_t begin, size_t end, int8_t value) {
  for (size_t i = begin; i < end; ++i) {
    if (bytes[i] != value) return false;
  }
  return true;
}

TEST(DepthwiseConv2dS8InPlace, MatchesOutOfPlaceAndStaysInsideItsBuffers) {
  Random random(11);
  for (int i = 0; i < kRandomCases; ++i) {
    InPlaceCase t = random_case(random);
    const reference::ConvGeometry g{t.h,
                                    t.w,
                                    t.c,
                                    t.kernel_h,
                                    t.kernel_w,
                                    t.params.stride_h,
                                    t.params.stride_w,
                                    t.params.pad_top,
                                    t.params.pad_left,
                                    t.output_h,
                                    t.output_w,
                                    t.c};
    const auto acc =
        reference::depthwise_accumulators(g, t.params.input_offset, t.input, t.filter, t.bias);
    random.requantization(acc, t.c, &t.multiplier, &t.shift);
    std::vector<int8_t> expected;
    ASSERT_TRUE(reference::requantize_all(acc, t.c, t.multiplier, t.shift, t.params.output_offset,
                                          t.params.activation_min, t.params.activation_max,
                                          &expected));
    const PerChannelQuantization quant{t.multiplier.data(), t.shift.data()};
    const Shape input_shape{1, t.h, t.w, t.c};
    const Shape filter_shape{1, t.kernel_h, t.kernel_w, t.c};
    const Shape output_shape{1, t.output_h, t.output_w, t.c};

    std::vector<int8_t> out_of_place(expected.size());
    depthwise_conv2d_s8(t.params, quant, input_shape, t.input.data(), filter_shape, t.filter.data(),
                        data_or_null(t.bias), output_shape, out_of_place.data());
    ASSERT_EQ(out_of_place, expected) << "case " << i << ": " << t.description;

    const int32_t scratch_size =
        depthwise_conv2d_s8_in_place_get_buffer_size(input_shape, filter_shape);
    ASSERT_EQ(scratch_size, t.kernel_h * t.w) << t.description;
    for (const int8_t guard : kGuardPatterns) {
      std::vector<int8_t> memory(kGuardBytes + t.input.size() + kGuardBytes, guard);
      std::copy(t.input.begin(), t.input.end(), memory.begin() + kGuardBytes);
      std::vector<int8_t> scratch(kGuardBytes + scratch_size + kGuardBytes, guard);
      depthwise_conv2d_s8_in_place(t.params, quant, input_shape, filter_shape, t.filter.data(),
                                   data_or_null(t.bias), output_shape, memory.data() + kGuardBytes,
                                   scratch.data() + kGuardBytes);

      const std::vector<int8_t> in_place(memory.begin() + kGuardBytes,
                                         memory.begin() + kGuardBytes + expected.size());
      ASSERT_EQ(in_place, expected)
          << "case " << i << ": " << t.description << "; first difference at "
          << first_difference(in_place, expected);
      ASSERT_TRUE(all_equal(memory, 0, kGuardBytes, guard))
          << "wrote before the buffer, case " << i << ": " << t.description;
      ASSERT_TRUE(all_equal(memory, kGuardBytes + t.input.size(), memory.size(), guard))
          << "wrote past the input bytes, case " << i << ": " << t.description;
      ASSERT_TRUE(all_equal(scratch, 0, kGuardBytes, guard))
          << "wrote before the scratch, case " << i << ": " << t.description;
      ASSERT_TRUE(all_equal(scratch, kGuardBytes + scratch_size, scratch.size(), guard))
          << "used more scratch than reported, case " << i << ": " << t.description;
    }
  }
}

// MCUNet's in3 network leaves about 1 KB for scratch at 88x88 with a 7x7 depthwise kernel; the
// ring of kernel_h rows of one channel fits, whatever the channel count.
TEST(DepthwiseConv2dS8InPlace, ScratchIsKernelRowsOfOneChannel) {
  constexpr int32_t kMcunetScratchBudget = 1024;
  const int32_t size =
      depthwise_conv2d_s8_in_place_get_buffer_size(Shape{1, 88, 88, 96}, Shape{1, 7, 7, 96});
  EXPECT_EQ(size, 7 * 88);
  EXPECT_LE(size, kMcunetScratchBudget);
  EXPECT_EQ(depthwise_conv2d_s8_in_place_get_buffer_size(Shape{1, 48, 40, 16}, Shape{1, 3, 5, 16}),
            3 * 40);
}

}  // namespace
}  // namespace tinynas::runtime
