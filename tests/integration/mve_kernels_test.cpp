// The Helium (MVE) kernels of the Cortex-M55 image (firmware/kernels/*_mve.cpp) against the host
// engine, bit for bit, on qemu-mps3-an547: single-op models of fully connected, pointwise and
// depthwise convolution over shapes that hit every path of the 16-lane dot products and the
// 8-lane depthwise groups: depths and channel counts that are not multiples of 16, 8 or 4 (the
// tail-predicated steps and the predicated stores), a single output or channel, odd pixel
// counts, depths of several hundred, padding and strides 1 and 2 with 3x3, 5x5 and 7x7 windows,
// a depth multiplier (the plain fallback), zero points at both ends of int8, all three
// activations and requantization shifts of both signs; the in-place kernel with its three ring
// sizes; then seeded random shapes. One QEMU boot serves every model.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"

namespace tinynas::profiler {
namespace {

using compiler::Activation;
using compiler::Graph;
using compiler::Op;
using compiler::OpKind;
using compiler::Tensor;
using compiler::TensorShape;

constexpr const char* kMveBoard = "qemu-mps3-an547";

struct OpCase {
  OpKind kind;
  int h, w, in_c, out_c;  // fully connected: in_c is the depth, h = w = 1
  int kernel = 1, stride = 1;
  bool same_padding = true;
  bool in_place = false;  // depthwise: planned in place (the in-place kernel)

  std::string describe() const {
    const char* name = kind == OpKind::kFullyConnected ? "fully connected"
                       : kind == OpKind::kConv2d       ? "pointwise"
                                                       : "depthwise";
    return std::string(name) + " " + std::to_string(h) + "x" + std::to_string(w) + "x" +
           std::to_string(in_c) + "->" + std::to_string(out_c) + " k" + std::to_string(kernel) +
           " s" + std::to_string(stride) + (same_padding ? " same" : " valid") +
           (in_place ? " in place" : "");
  }
};

// The quantization of the variant-th case: zero points, activation and output scale cycle
// through the edges of what the format allows.
struct Quantization {
  int32_t input_zero_point, output_zero_point;
  Activation activation;
  float output_scale_factor;  // < 1 pushes the shift positive (the left shift path)
};

Quantization quantization(size_t variant) {
  const int32_t zero_points[] = {-128, 127, 0, -3, 77};
  const Activation activations[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
  const float scale_factors[] = {1.0f, 0.25f, 0.01f, 4.0f};
  return {zero_points[variant % std::size(zero_points)],
          zero_points[(variant * 3 + 1) % std::size(zero_points)],
          activations[variant % std::size(activations)],
          scale_factors[(variant / 2) % std::size(scale_factors)]};
}

std::vector<uint8_t> single_op_model(const OpCase& c, size_t variant) {
  const Quantization q = quantization(variant);
  const bool depthwise = c.kind == OpKind::kDepthwiseConv2d;
  const int pad = c.same_padding ? c.kernel / 2 : 0;
  const int out_h = (c.h + 2 * pad - c.kernel) / c.stride + 1;
  const int out_w = (c.w + 2 * pad - c.kernel) / c.stride + 1;
  Graph graph;
  Tensor input;
  input.name = "input";
  input.shape = {1, c.h, c.w, c.in_c};
  graph.input = graph.add_tensor(input);
  Tensor weights;
  weights.name = "op.weight";
  weights.is_constant = true;
  weights.shape =
      depthwise ? TensorShape{1, c.kernel, c.kernel, c.out_c} : TensorShape{c.out_c, 1, 1, c.in_c};
  Tensor output;
  output.name = "op";
  output.shape = {1, out_h, out_w, c.out_c};
  Op op;
  op.kind = c.kind;
  op.name = "op";
  op.inputs = {graph.input};
  op.weights = graph.add_tensor(weights);
  op.output = graph.add_tensor(output);
  if (c.kind != OpKind::kFullyConnected) {
    op.kernel_h = op.kernel_w = c.kernel;
    op.stride_h = op.stride_w = c.stride;
    op.pad_top = op.pad_left = pad;
    op.pad_bottom = std::max(0, (out_h - 1) * c.stride + c.kernel - c.h - pad);
    op.pad_right = std::max(0, (out_w - 1) * c.stride + c.kernel - c.w - pad);
  }
  op.activation = q.activation;
  op.allow_in_place = c.in_place;
  graph.output = op.output;
  graph.add_op(op);
  compiler::fill_random_weights(graph, static_cast<uint32_t>(3000 + variant));
  graph.tensors[graph.input].zero_point = q.input_zero_point;
  graph.tensors[graph.output].zero_point = q.output_zero_point;
  graph.tensors[graph.output].scale *= q.output_scale_factor;
  compiler::PlannerOptions options;
  options.in_place_depthwise = c.in_place;
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, options);
  EXPECT_EQ(!plan.in_place.empty() && plan.in_place[0], c.in_place) << c.describe();
  return compiler::write_model(graph, plan);
}

std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases;
  // Fully connected: {depth, outputs}: 16-lane steps with and without a tail, fewer rows than
  // a block of 4, O % 4 leftovers, the 320 -> 10 and a deep layer.
  const int fully_connected[][2] = {{1, 1},   {15, 3},  {16, 4},   {17, 5},  {31, 7},
                                    {33, 9},  {64, 2},  {320, 10}, {100, 1}, {1280, 13},
                                    {7, 130}, {48, 64}, {250, 6}};
  for (const auto& s : fully_connected) {
    cases.push_back({OpKind::kFullyConnected, 1, 1, s[0], s[1]});
  }
  // Pointwise: {h, w, in_c, out_c}: odd pixel counts (the pixel pair's lone last pixel), Cin
  // below, at and past 16 lanes, Cout % 4 leftovers and a single output channel.
  const int pointwise[][4] = {{1, 1, 1, 1},   {3, 7, 3, 5},   {4, 4, 16, 8},  {7, 5, 17, 33},
                              {2, 3, 260, 6}, {3, 1, 521, 9}, {1, 3, 64, 65}, {5, 5, 16, 2},
                              {2, 2, 4, 31},  {9, 9, 24, 48}, {1, 2, 12, 1},  {6, 6, 96, 7}};
  for (const auto& s : pointwise) cases.push_back({OpKind::kConv2d, s[0], s[1], s[2], s[3]});
  // Depthwise: {h, w, c, kernel, stride, same padding}: channel counts below, at and past the
  // 8-lane group with C % 8 leftovers, kernels larger than the input, valid padding.
  const int depthwise[][6] = {{6, 6, 8, 3, 1, 1},    {7, 5, 13, 3, 2, 1}, {9, 9, 16, 5, 1, 1},
                              {10, 11, 18, 7, 2, 1}, {2, 2, 5, 7, 1, 1},  {8, 8, 36, 3, 1, 0},
                              {12, 7, 1, 5, 2, 0},   {3, 9, 20, 3, 1, 1}, {11, 11, 24, 7, 1, 1},
                              {5, 6, 3, 3, 2, 1},    {4, 4, 96, 3, 1, 1}, {9, 7, 7, 5, 2, 1}};
  for (const auto& s : depthwise) {
    cases.push_back({OpKind::kDepthwiseConv2d, s[0], s[1], s[2], s[2], s[3], s[4], s[5] != 0});
  }
  // In place: rings of 8 channels on the stack, of fewer channels for wide inputs (250 and 96
  // pixels), and of one channel in the caller's scratch (800 pixels x 7 rows).
  const int in_place[][6] = {{6, 6, 8, 3, 1, 1},   {7, 5, 13, 3, 2, 1}, {10, 11, 24, 7, 2, 1},
                             {4, 250, 6, 3, 1, 1}, {9, 96, 8, 7, 2, 1}, {7, 800, 3, 7, 1, 1},
                             {11, 11, 20, 5, 1, 0}};
  for (const auto& s : in_place) {
    OpCase c{OpKind::kDepthwiseConv2d, s[0], s[1], s[2], s[2], s[3], s[4], s[5] != 0};
    c.in_place = true;
    cases.push_back(c);
  }
  // A depth multiplier of 2 (the plain fallback).
  cases.push_back({OpKind::kDepthwiseConv2d, 6, 5, 3, 6, 3, 1, true});

  std::mt19937 random(20261206u);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
  for (int i = 0; i < 4; ++i)
    cases.push_back({OpKind::kFullyConnected, 1, 1, pick(1, 300), pick(1, 40)});
  for (int i = 0; i < 4; ++i) {
    cases.push_back({OpKind::kConv2d, pick(1, 8), pick(1, 8), pick(1, 70), pick(1, 70)});
  }
  for (int i = 0; i < 4; ++i) {
    const int c = pick(1, 40);
    cases.push_back(
        {OpKind::kDepthwiseConv2d, pick(1, 12), pick(1, 12), c, c, 2 * pick(1, 3) + 1, pick(1, 2)});
  }
  return cases;
}

TEST(MveKernels, MatchTheHostEngineBitForBit) {
  QemuBoard board(find_board_spec(kMveBoard));
  ASSERT_EQ(board.info().kernel_path, protocol::KernelPath::kMve);
  const std::vector<OpCase> cases = op_cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].describe());
    ProfileOptions options;
    options.seed = static_cast<uint32_t>(500 + i);
    const ProfileResult result =
        profile_model(board.client(), board.info(), single_op_model(cases[i], i), options);
    EXPECT_TRUE(result.output_matches_host) << "first mismatch at byte " << result.first_mismatch;
  }
}

}  // namespace
}  // namespace tinynas::profiler
