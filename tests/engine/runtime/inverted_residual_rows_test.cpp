// The fused inverted-residual kernel: bit-exact with expand 1x1 -> depthwise -> project 1x1 run
// op by op (each stage also checked against the int64 reference), on random shapes, kernels 3, 5
// and 7, strides 1 and 2 (and sometimes 3 or 4, larger than some kernels), valid, SAME and
// arbitrary asymmetric padding, zero points across the int8 range, and the one-row / one-column
// edge cases; it writes nothing outside its output and the scratch size it reports, and leaves
// its input untouched.
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

constexpr int kRandomCases = 300;
constexpr int kEdgeCases = 120;
constexpr int32_t kMaxSide = 20;
constexpr int32_t kMaxChannels = 12;
constexpr int32_t kMaxMidChannels = 40;
constexpr size_t kGuardBytes = 64;
constexpr int8_t kGuardPatterns[] = {0x5A, -0x4C};

// One stage's requantized output plus everything a ConvStage points at.
struct Stage {
  ConvParams params{};
  Shape filter_shape;
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, multiplier, shift;
  ConvStage view() const {
    return ConvStage{params, PerChannelQuantization{multiplier.data(), shift.data()}, filter_shape,
                     filter.data(), data_or_null(bias)};
  }
};

struct FusedCase {
  InvertedResidualShapes shapes;
  Stage expand, depthwise, project;
  std::vector<int8_t> input, expanded, depthwise_output, output;  // op-by-op results
  std::string description;
};

// An extent of `side` (1 when forced) with padding and the depthwise output it gives.
testing::Dimension dimension(Random& random, int32_t kernel, int32_t stride, bool one) {
  if (!one)
    return testing::random_dimension(random, kernel, stride, testing::random_padding(random),
                                     kMaxSide);
  // A single row or column: the padding must make up the rest of one window.
  testing::Dimension d;
  d.input = 1;
  d.pad_before = random.uniform(0, kernel - 1);
  d.output = 1;
  return d;
}

ConvParams random_params(Random& random, int32_t input_zero_point, int32_t output_zero_point) {
  ConvParams params{};
  params.input_offset = -input_zero_point;
  params.output_offset = output_zero_point;
  params.stride_h = params.stride_w = 1;
  random.activation_range(&params.activation_min, &params.activation_max);
  return params;
}

// Requantizes `acc` with random per-channel constants; false if the reference cannot.
bool finish_stage(Random& random, const std::vector<int64_t>& acc, int32_t channels, Stage* stage,
                  std::vector<int8_t>* expected) {
  random.requantization(acc, channels, &stage->multiplier, &stage->shift);
  return reference::requantize_all(acc, channels, stage->multiplier, stage->shift,
                                   stage->params.output_offset, stage->params.activation_min,
                                   stage->params.activation_max, expected);
}

// A random case whose expected outputs come from the int64 reference, stage by stage.
FusedCase random_case(Random& random, bool edge) {
  for (;;) {
    FusedCase t;
    const int32_t kernel = random.pick({3, 5, 7});
    const int32_t stride_h = random.chance(0.9) ? random.pick({1, 2}) : random.pick({3, 4});
    const int32_t stride_w = random.chance(0.8) ? stride_h : random.pick({1, 2});
    const bool one_row = edge && random.chance(0.6);
    const bool one_column = edge && (!one_row || random.chance(0.5));
    const testing::Dimension rows = dimension(random, kernel, stride_h, one_row);
    const testing::Dimension cols = dimension(random, kernel, stride_w, one_column);
    const int32_t cin = random.uniform(1, kMaxChannels);
    const int32_t cmid = random.uniform(1, kMaxMidChannels);
    const int32_t cout = random.uniform(1, kMaxChannels);
    t.shapes.input = Shape{1, rows.input, cols.input, cin};
    t.shapes.expanded = Shape{1, rows.input, cols.input, cmid};
    t.shapes.depthwise_output = Shape{1, rows.output, cols.output, cmid};
    t.shapes.output = Shape{1, rows.output, cols.output, cout};
    const int32_t input_zp = random.zero_point();
    const int32_t expanded_zp = random.zero_point();
    const int32_t depthwise_zp = random.zero_point();
    const int32_t output_zp = random.zero_point();
    t.input = random.int8_values(static_cast<size_t>(t.shapes.input.elements()));

    Stage& e = t.expand;
    e.params = random_params(random, input_zp, expanded_zp);
    e.filter_shape = Shape{cmid, 1, 1, cin};
    e.filter = random.int8_values(static_cast<size_t>(cmid) * cin);
    e.bias = random.bias(cmid);
    const reference::ConvGeometry eg{rows.input, cols.input, cin, 1,          1,          1,
                                     1,          0,          0,   rows.input, cols.input, cmid};
    if (!finish_stage(
            random,
            reference::conv_accumulators(eg, e.params.input_offset, t.input, e.filter, e.bias),
            cmid, &e, &t.expanded)) {
      continue;
    }

    Stage& d = t.depthwise;
    d.params = random_params(random, expanded_zp, depthwise_zp);
    d.params.stride_h = stride_h;
    d.params.stride_w = stride_w;
    d.params.pad_top = rows.pad_before;
    d.params.pad_left = cols.pad_before;
    d.filter_shape = Shape{1, kernel, kernel, cmid};
    d.filter = random.int8_values(static_cast<size_t>(kernel) * kernel * cmid);
    d.bias = random.bias(cmid);
    const reference::ConvGeometry dg{rows.input,      cols.input,  cmid,        kernel,
                                     kernel,          stride_h,    stride_w,    rows.pad_before,
                                     cols.pad_before, rows.output, cols.output, cmid};
    if (!finish_stage(random,
                      reference::depthwise_accumulators(dg, d.params.input_offset, t.expanded,
                                                        d.filter, d.bias),
                      cmid, &d, &t.depthwise_output)) {
      continue;
    }

    Stage& p = t.project;
    p.params = random_params(random, depthwise_zp, output_zp);
    p.filter_shape = Shape{cout, 1, 1, cmid};
    p.filter = random.int8_values(static_cast<size_t>(cout) * cmid);
    p.bias = random.bias(cout);
    const reference::ConvGeometry pg{rows.output, cols.output, cmid,        1,           1,   1, 1,
                                     0,           0,           rows.output, cols.output, cout};
    if (!finish_stage(random,
                      reference::conv_accumulators(pg, p.params.input_offset, t.depthwise_output,
                                                   p.filter, p.bias),
                      cout, &p, &t.output)) {
      continue;
    }
    t.description = "input " + std::to_string(rows.input) + "x" + std::to_string(cols.input) + "x" +
                    std::to_string(cin) + " mid " + std::to_string(cmid) + " out " +
                    std::to_string(cout) + " kernel " + std::to_string(kernel) + " stride " +
                    std::to_string(stride_h) + "," + std::to_string(stride_w) + " pad " +
                    std::to_string(rows.pad_before) + "," + std::to_string(cols.pad_before) +
                    " output " + std::to_string(rows.output) + "x" + std::to_string(cols.output);
    return t;
  }
}

bool all_equal(const std::vector<int8_t>& bytes, size_t begin, size_t end, int8_t value) {
  for (size_t i = begin; i < end; ++i) {
    if (bytes[i] != value) return false;
  }
  return true;
}

// The plain kernels op by op, then the fused kernel with guard bytes around output and scratch.
void check_case(const FusedCase& t, int index) {
  const std::string label = "case " + std::to_string(index) + ": " + t.description;
  const ConvStage expand = t.expand.view();
  const ConvStage depthwise = t.depthwise.view();
  const ConvStage project = t.project.view();

  std::vector<int8_t> expanded(t.expanded.size());
  conv2d_1x1_s8(expand.params, expand.quant, t.shapes.input, t.input.data(), expand.filter_shape,
                expand.filter, expand.bias, t.shapes.expanded, expanded.data());
  ASSERT_EQ(expanded, t.expanded) << label;
  std::vector<int8_t> depthwise_output(t.depthwise_output.size());
  depthwise_conv2d_s8(depthwise.params, depthwise.quant, t.shapes.expanded, expanded.data(),
                      depthwise.filter_shape, depthwise.filter, depthwise.bias,
                      t.shapes.depthwise_output, depthwise_output.data());
  ASSERT_EQ(depthwise_output, t.depthwise_output) << label;
  std::vector<int8_t> plain(t.output.size());
  conv2d_1x1_s8(project.params, project.quant, t.shapes.depthwise_output, depthwise_output.data(),
                project.filter_shape, project.filter, project.bias, t.shapes.output, plain.data());
  ASSERT_EQ(plain, t.output) << label;

  const int32_t scratch_size = inverted_residual_rows_s8_get_buffer_size(
      t.shapes.expanded, depthwise.filter_shape, t.shapes.depthwise_output);
  const int32_t ring = depthwise.filter_shape.h * t.shapes.expanded.w * t.shapes.expanded.c;
  ASSERT_EQ(scratch_size, ring + t.shapes.depthwise_output.w * t.shapes.expanded.c) << label;
  for (const int8_t guard : kGuardPatterns) {
    const std::vector<int8_t> input = t.input;
    std::vector<int8_t> output(kGuardBytes + plain.size() + kGuardBytes, guard);
    std::vector<int8_t> scratch(kGuardBytes + scratch_size + kGuardBytes, guard);
    inverted_residual_rows_s8(expand, depthwise, project, t.shapes, input.data(),
                              output.data() + kGuardBytes, scratch.data() + kGuardBytes);
    const std::vector<int8_t> fused(output.begin() + kGuardBytes,
                                    output.begin() + kGuardBytes + plain.size());
    ASSERT_EQ(fused, plain) << label << "; first difference at " << first_difference(fused, plain);
    ASSERT_EQ(input, t.input) << "changed its input, " << label;
    ASSERT_TRUE(all_equal(output, 0, kGuardBytes, guard)) << "wrote before the output, " << label;
    ASSERT_TRUE(all_equal(output, kGuardBytes + plain.size(), output.size(), guard))
        << "wrote past the output, " << label;
    ASSERT_TRUE(all_equal(scratch, 0, kGuardBytes, guard)) << "wrote before the scratch, " << label;
    ASSERT_TRUE(all_equal(scratch, kGuardBytes + scratch_size, scratch.size(), guard))
        << "used more scratch than reported, " << label;
  }
}

TEST(InvertedResidualRowsS8, BitExactWithExpandDepthwiseProject) {
  Random random(2021);
  for (int i = 0; i < kRandomCases; ++i) {
    const FusedCase t = random_case(random, false);
    check_case(t, i);
    if (HasFatalFailure()) return;
  }
}

TEST(InvertedResidualRowsS8, BitExactOnOneRowAndOneColumnInputs) {
  Random random(7);
  for (int i = 0; i < kEdgeCases; ++i) {
    const FusedCase t = random_case(random, true);
    ASSERT_TRUE(t.shapes.input.h == 1 || t.shapes.input.w == 1) << t.description;
    check_case(t, i);
    if (HasFatalFailure()) return;
  }
}

TEST(InvertedResidualRowsS8, BufferSizeIsRingPlusOneDepthwiseRowAndSaturates) {
  const Shape expanded{1, 88, 88, 24};
  const Shape filter{1, 7, 7, 24};
  const Shape depthwise_output{1, 44, 44, 24};
  EXPECT_EQ(inverted_residual_rows_s8_get_buffer_size(expanded, filter, depthwise_output),
            7 * 88 * 24 + 44 * 24);
  const Shape huge{1, 1, 65535, 65535};
  EXPECT_EQ(inverted_residual_rows_s8_get_buffer_size(huge, filter, huge), INT32_MAX);
}

}  // namespace
}  // namespace tinynas::runtime
