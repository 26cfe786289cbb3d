// layer_graph: the single-layer models kernel tests and benchmarks build.
#include "engine/compiler/layer_graph.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"

namespace tinynas::compiler {
namespace {

TEST(LayerGraph, TfliteSamePaddingPutsTheOddCellAfter) {
  struct Case {
    int input, kernel, stride, before, after;
  };
  const Case cases[] = {
      {28, 3, 2, 0, 1},  // 14 outputs: 13 * 2 + 3 - 28 = 1 cell
      {44, 3, 1, 1, 1},
      {44, 5, 2, 1, 2},  // 22 outputs: 21 * 2 + 5 - 44 = 3 cells
      {9, 1, 2, 0, 0},
  };
  for (const Case& c : cases) {
    const SamePadding padding = tflite_same_padding(c.input, c.kernel, c.stride);
    EXPECT_EQ(padding.before, c.before) << c.input << " k" << c.kernel << " s" << c.stride;
    EXPECT_EQ(padding.after, c.after) << c.input << " k" << c.kernel << " s" << c.stride;
  }
}

TEST(LayerGraph, OutputFollowsThePaddingAndTheModelIsValid) {
  LayerSpec spec;
  spec.kind = OpKind::kDepthwiseConv2d;
  spec.h = 28;
  spec.w = 20;
  spec.in_c = spec.out_c = 18;
  spec.kernel_h = spec.kernel_w = 3;
  spec.stride_h = spec.stride_w = 2;
  spec.pad_bottom = spec.pad_right = 1;
  spec.activation = Activation::kRelu6;
  Graph graph = layer_graph(spec);
  ASSERT_EQ(graph.ops.size(), 1u);
  EXPECT_EQ(graph.tensors[graph.output].shape, (TensorShape{1, 14, 10, 18}));
  EXPECT_EQ(graph.tensors[graph.ops[0].weights].shape, (TensorShape{1, 3, 3, 18}));
  EXPECT_EQ(graph.ops[0].activation, Activation::kRelu6);
  fill_random_weights(graph, 1);
  EXPECT_FALSE(write_model(graph, plan_memory(graph)).empty());
  EXPECT_EQ(op_macs(graph, graph.ops[0]), int64_t{14} * 10 * 18 * 9);
}

TEST(LayerGraph, ConvolutionWeightsAreOhwi) {
  LayerSpec spec;
  spec.h = spec.w = 7;
  spec.in_c = 5;
  spec.out_c = 8;
  spec.kernel_h = 3;
  spec.kernel_w = 2;
  const Graph graph = layer_graph(spec);
  EXPECT_EQ(graph.tensors[graph.ops[0].weights].shape, (TensorShape{8, 3, 2, 5}));
  EXPECT_EQ(graph.tensors[graph.output].shape, (TensorShape{1, 5, 6, 8}));
}

TEST(LayerGraph, FullyConnectedFlattensItsInput) {
  LayerSpec spec;
  spec.kind = OpKind::kFullyConnected;
  spec.h = 2;
  spec.w = 3;
  spec.in_c = 5;
  spec.out_c = 7;
  Graph graph = layer_graph(spec);
  ASSERT_EQ(graph.ops.size(), 1u);
  EXPECT_EQ(graph.ops[0].kind, OpKind::kFullyConnected);
  EXPECT_EQ(graph.tensors[graph.ops[0].weights].shape, (TensorShape{7, 1, 1, 30}));
  EXPECT_EQ(graph.tensors[graph.output].shape, (TensorShape{1, 1, 1, 7}));
  fill_random_weights(graph, 1);
  EXPECT_FALSE(write_model(graph, plan_memory(graph)).empty());
  EXPECT_EQ(op_macs(graph, graph.ops[0]), int64_t{7} * 30);
}

TEST(LayerGraph, AWindowLargerThanThePaddedInputIsRefused) {
  LayerSpec spec;
  spec.h = spec.w = 2;
  spec.kernel_h = spec.kernel_w = 5;
  try {
    layer_graph(spec);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("5x5 window"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinynas::compiler
