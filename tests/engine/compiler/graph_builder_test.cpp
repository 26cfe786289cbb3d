#include "engine/compiler/graph_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/net_config_import.h"
#include "engine/compiler/quantization.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

std::string source_path(const std::string& relative) {
  return std::string(TINYNAS_SOURCE_DIR) + "/" + relative;
}

NetworkSpec sample_fmnist() {
  return load_arch_file(source_path("configs/nets/sample-fmnist.arch.json"));
}

BuildOptions with_seed(uint32_t seed) {
  BuildOptions options;
  options.seed = seed;
  return options;
}

const Op& op_named(const Graph& graph, const std::string& name) {
  const int index = find_op(graph, name);
  if (index < 0) throw std::out_of_range("no op " + name);
  return graph.ops[index];
}

TEST(GraphBuilder, LowersBlocksToNamedOps) {
  const Graph graph = build_graph(sample_fmnist());
  std::vector<std::string> names;
  for (const Op& op : graph.ops) names.push_back(op.name);
  const std::vector<std::string> expected = {
      "first_conv",         "blocks.0.depthwise", "blocks.0.project", "blocks.0.add",
      "blocks.1.expand",    "blocks.1.depthwise", "blocks.1.project", "blocks.2.expand",
      "blocks.2.depthwise", "blocks.2.project",   "blocks.2.add",     "blocks.3.expand",
      "blocks.3.depthwise", "blocks.3.project",   "blocks.4.expand",  "blocks.4.depthwise",
      "blocks.4.project",   "blocks.4.add",       "feature_mix",      "pool",
      "classifier"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(graph.tensors[graph.input].name, "input");
  EXPECT_EQ(graph.tensors[graph.input].shape, (TensorShape{1, 28, 28, 1}));
  EXPECT_EQ(graph.tensors[graph.output].name, "classifier");
  EXPECT_EQ(graph.tensors[graph.output].shape, (TensorShape{1, 1, 1, 10}));
  for (const Op& op : graph.ops) {
    EXPECT_EQ(graph.tensors[op.output].name, op.name);
    if (op.weights >= 0) {
      EXPECT_EQ(graph.tensors[op.weights].name, op.name + ".weight");
    }
  }
}

TEST(GraphBuilder, ShapesPaddingAndOperands) {
  const Graph graph = build_graph(sample_fmnist());
  const Op& first = op_named(graph, "first_conv");
  EXPECT_EQ(first.kind, OpKind::kConv2d);
  EXPECT_EQ(graph.tensors[first.output].shape, (TensorShape{1, 14, 14, 16}));
  EXPECT_EQ(graph.tensors[first.weights].shape, (TensorShape{16, 3, 3, 1}));
  EXPECT_EQ(first.pad_top, 1);
  EXPECT_EQ(first.pad_left, 1);
  EXPECT_EQ(first.pad_bottom, 0);  // (14 - 1) * 2 + 3 - 28 - 1
  EXPECT_EQ(first.bias.size(), 16u);
  EXPECT_EQ(first.activation, Activation::kRelu6);

  const Op& depthwise = op_named(graph, "blocks.2.depthwise");
  EXPECT_EQ(depthwise.kind, OpKind::kDepthwiseConv2d);
  EXPECT_TRUE(depthwise.allow_in_place);
  EXPECT_EQ(depthwise.kernel_h, 5);
  EXPECT_EQ(depthwise.pad_top, 2);
  EXPECT_EQ(depthwise.pad_bottom, 2);
  EXPECT_EQ(graph.tensors[depthwise.weights].shape, (TensorShape{1, 5, 5, 72}));
  EXPECT_EQ(graph.tensors[depthwise.output].shape, (TensorShape{1, 7, 7, 72}));

  const Op& strided = op_named(graph, "blocks.3.depthwise");
  EXPECT_EQ(graph.tensors[strided.output].shape, (TensorShape{1, 4, 4, 96}));  // ceil(7 / 2)
  EXPECT_EQ(strided.pad_top, 1);
  EXPECT_EQ(strided.pad_bottom, 1);  // (4 - 1) * 2 + 3 - 7 - 1

  const Op& project = op_named(graph, "blocks.2.project");
  EXPECT_EQ(project.activation, Activation::kNone);
  EXPECT_EQ(project.kernel_h, 1);
  EXPECT_EQ(project.pad_top + project.pad_bottom + project.pad_left + project.pad_right, 0);
  EXPECT_EQ(graph.tensors[project.weights].shape, (TensorShape{24, 1, 1, 72}));

  const Op& add = op_named(graph, "blocks.2.add");
  EXPECT_EQ(add.kind, OpKind::kAdd);
  ASSERT_EQ(add.inputs.size(), 2u);
  EXPECT_EQ(add.inputs[0], op_named(graph, "blocks.1.project").output);  // the block input
  EXPECT_EQ(add.inputs[1], project.output);
  EXPECT_EQ(op_named(graph, "blocks.0.depthwise").inputs[0], first.output);  // no expansion

  const Op& classifier = op_named(graph, "classifier");
  EXPECT_EQ(classifier.kind, OpKind::kFullyConnected);
  EXPECT_EQ(graph.tensors[classifier.weights].shape, (TensorShape{10, 1, 1, 64}));
  EXPECT_EQ(op_named(graph, "pool").kind, OpKind::kGlobalAveragePool);
}

TEST(GraphBuilder, McunetIn3MacsAndParamsMatchThePaper) {
  // MCUNet (Lin et al., NeurIPS 2020) reports mcunet-in3 at 81.8M MACs and 0.74M parameters.
  const Graph graph = build_graph(load_net_config(source_path("configs/nets/mcunet-in3.json")));
  const int64_t macs = graph_macs(graph);
  EXPECT_EQ(std::lround(macs / 1e5), 818) << macs;  // 81.8M, conv + depthwise + classifier
  const int64_t params = reported_params(graph);
  EXPECT_EQ(std::lround(params / 1e4), 74) << params;  // 0.74M, with BatchNorm scale and shift
  EXPECT_EQ(params, 737408);
  EXPECT_EQ(graph_params(graph), 729720);  // deployed: int8 weights + int32 biases
}

TEST(GraphBuilder, RandomWeightsAreSeededAndDeterministic) {
  const NetworkSpec spec = sample_fmnist();
  const Graph a = build_graph(spec, with_seed(5));
  const Graph b = build_graph(spec, with_seed(5));
  const Graph c = build_graph(spec, with_seed(6));
  const int weights = op_named(a, "blocks.1.expand").weights;
  EXPECT_EQ(a.tensors[weights].data, b.tensors[weights].data);
  EXPECT_EQ(a.tensors[weights].channel_scales, b.tensors[weights].channel_scales);
  EXPECT_NE(a.tensors[weights].data, c.tensors[weights].data);

  Graph structure = build_graph_structure(spec);
  for (int8_t value : structure.tensors[weights].data) ASSERT_EQ(value, 0);
  fill_random_weights(structure, 5);
  EXPECT_EQ(structure.tensors[weights].data, a.tensors[weights].data);
  EXPECT_EQ(structure.ops[3].bias, a.ops[3].bias);
}

TEST(GraphBuilder, QuantizationIsPlausibleAndRepresentable) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const NetworkSpec spec = testing::random_network_spec(rng);
    const Graph graph = build_graph(spec, with_seed(static_cast<uint32_t>(trial)));
    for (const Op& op : graph.ops) {
      const Tensor& output = graph.tensors[op.output];
      ASSERT_TRUE(std::isfinite(output.scale) && output.scale > 0) << op.name;
      ASSERT_GE(output.zero_point, -128);
      ASSERT_LE(output.zero_point, 127);
      if (op.activation == Activation::kRelu6) {
        EXPECT_FLOAT_EQ(output.scale, 6.0f / 255.0f);
        EXPECT_EQ(output.zero_point, -128);
      }
      if (op.weights < 0) continue;
      const Tensor& weights = graph.tensors[op.weights];
      const Tensor& input = graph.tensors[op.inputs[0]];
      ASSERT_EQ(weights.channel_scales.size(), static_cast<size_t>(output.shape.c));
      // Weights use the int8 range, not a sliver of it.
      int max_abs = 0;
      for (int8_t w : weights.data) max_abs = std::max(max_abs, std::abs(static_cast<int>(w)));
      EXPECT_LE(max_abs, 127);
      if (weights.data.size() >= 64) {
        EXPECT_GE(max_abs, 100) << op.name;
      }
      // The requantization multipliers are ones the runtime can represent.
      EXPECT_NO_THROW(per_channel_multipliers(input.scale, weights.channel_scales, output.scale,
                                              output.shape.c))
          << op.name;
    }
  }
}

TEST(GraphBuilder, InvalidSpecsAreRejectedWithThePath) {
  NetworkSpec spec = sample_fmnist();
  spec.blocks[2].in_channels = 16;
  try {
    build_graph(spec);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "blocks[2].in_channels: expected 24 (out_channels of blocks[1]), found 16");
  }
  spec = sample_fmnist();
  spec.blocks[1].residual = true;
  EXPECT_THROW(build_graph(spec), std::invalid_argument);
  spec = sample_fmnist();
  spec.feature_mix->kernel_size = 3;
  EXPECT_THROW(build_graph(spec), std::invalid_argument);
}

}  // namespace
}  // namespace tinynas::compiler
