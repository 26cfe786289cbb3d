#include "engine/compiler/update_scheme.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/net_config_import.h"

namespace tinynas::compiler {
namespace {

Graph mcunet_5fps() {
  return build_graph(
      load_net_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-5fps.json"));
}

TEST(UpdateScheme, ReadsLayersAndRatios) {
  const UpdateScheme scheme = parse_update_scheme(nlohmann::json::parse(R"({
    "format": "tinynas-scheme/1",
    "layers": [{"name": "blocks.3.expand", "bias": true, "weight_ratio": 0.25},
               {"name": "classifier", "bias": true},
               {"name": "blocks.4.project", "weight_ratio": 1}]})"));
  ASSERT_EQ(scheme.layers.size(), 3u);
  EXPECT_EQ(scheme.layers[0].name, "blocks.3.expand");
  EXPECT_TRUE(scheme.layers[0].bias);
  EXPECT_EQ(scheme.layers[0].weight_eighths, 2);
  EXPECT_EQ(scheme.layers[1].weight_eighths, 0);
  EXPECT_FALSE(scheme.layers[2].bias);
  EXPECT_EQ(scheme.layers[2].weight_eighths, 8);
  // And back.
  const UpdateScheme again =
      parse_update_scheme(nlohmann::json::parse(scheme_to_json(scheme).dump()));
  EXPECT_EQ(again.layers[0].weight_eighths, 2);
}

TEST(UpdateScheme, ReportsEveryBadFieldAtOnce) {
  try {
    parse_update_scheme(nlohmann::json::parse(R"({
      "format": "tinynas-scheme/2",
      "layers": [{"name": "a", "weight_ratio": 0.3},
                 {"name": "a", "bias": "yes"},
                 {"nmae": "b"}],
      "extra": 1})"),
                        "s.json");
    FAIL() << "expected SchemeError";
  } catch (const SchemeError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("s.json"), std::string::npos) << message;
    EXPECT_NE(message.find("format"), std::string::npos) << message;
    EXPECT_NE(message.find("extra"), std::string::npos) << message;
    EXPECT_NE(message.find("layers[0].weight_ratio: expected 0, 0.125, 0.25, 0.5 or 1"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("layers[1].name: expected a layer not named before (layers[0])"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("layers[1].bias"), std::string::npos) << message;
    EXPECT_NE(message.find("layers[2].nmae"), std::string::npos) << message;
    EXPECT_NE(message.find("layers[2].name"), std::string::npos) << message;
  }
}

TEST(UpdateScheme, SchemeThatDoesNotMatchTheModelNamesTheLayers) {
  const Graph graph = mcunet_5fps();
  UpdateScheme scheme;
  scheme.layers = {{"blocks.3.expand", true, 8}, {"blocks.99.expand", true, 0}, {"pool", true, 0}};
  try {
    resolve_scheme(graph, scheme, "scheme.json");
    FAIL() << "expected SchemeError";
  } catch (const SchemeError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("scheme.json"), std::string::npos) << message;
    EXPECT_NE(message.find("layers[1].name: expected an op of the model, found "
                           "\"blocks.99.expand\""),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("layers[2].name"), std::string::npos) << message;
    EXPECT_NE(message.find("pool (global_average_pool)"), std::string::npos) << message;
    EXPECT_EQ(message.find("blocks.3.expand"), std::string::npos) << message;
  }
}

TEST(UpdateScheme, ChosenChannelCountsFollowTheRatio) {
  EXPECT_EQ(chosen_channel_count(48, 0), 0);
  EXPECT_EQ(chosen_channel_count(48, 1), 6);
  EXPECT_EQ(chosen_channel_count(48, 2), 12);
  EXPECT_EQ(chosen_channel_count(48, 8), 48);
  EXPECT_EQ(chosen_channel_count(4, 1), 1);  // at least one
}

// A 1x1 conv with 2 outputs and 4 input channels: the norm of input channel i is taken over
// both outputs, each weight times its output channel's scale.
TEST(UpdateScheme, ChannelsAreTheLargestByRealWeightNorm) {
  Graph graph;
  Tensor weights;
  weights.name = "w";
  weights.is_constant = true;
  weights.shape = {2, 1, 1, 4};
  weights.channel_scales = {1.0f, 10.0f};
  // output 0:   10, 0, 1, 0   (scale 1)
  // output 1:    0, 2, 0, 1   (scale 10)  -> norms: 10, 20, 1, 10
  weights.data = {10, 0, 1, 0, 0, 2, 0, 1};
  graph.tensors.push_back(weights);
  Op op;
  op.kind = OpKind::kConv2d;
  op.weights = 0;
  EXPECT_EQ(choose_channels_by_norm(graph, op, 1), (std::vector<int>{1}));
  EXPECT_EQ(choose_channels_by_norm(graph, op, 2), (std::vector<int>{0, 1}));  // tie: index 0
  EXPECT_EQ(choose_channels_by_norm(graph, op, 3), (std::vector<int>{0, 1, 3}));
}

TEST(UpdateScheme, ResolvesInOpOrderWithChannelsFromTheWeights) {
  const Graph graph = mcunet_5fps();
  UpdateScheme scheme;
  scheme.layers = {{"classifier", true, 0}, {"blocks.12.expand", true, 1}};
  const std::vector<ResolvedLayer> layers = resolve_scheme(graph, scheme);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].op, find_op(graph, "blocks.12.expand"));
  EXPECT_EQ(layers[0].channels.size(), 96u / 8);  // 1/8 of its 96 input channels
  EXPECT_EQ(layers[0].channels, choose_channels_by_norm(graph, graph.ops[layers[0].op], 12));
  EXPECT_TRUE(layers[1].bias);
  EXPECT_TRUE(layers[1].channels.empty());
}

TEST(UpdateScheme, LastLayersTrainsWeightsAndBiasesOfTheLastK) {
  const Graph graph = mcunet_5fps();
  EXPECT_TRUE(last_layers_scheme(graph, 0).layers.empty());
  const UpdateScheme last3 = last_layers_scheme(graph, 3);
  ASSERT_EQ(last3.layers.size(), 3u);
  EXPECT_EQ(last3.layers[0].name, "blocks.13.depthwise");  // in op order
  EXPECT_EQ(last3.layers[1].name, "blocks.13.project");
  EXPECT_EQ(last3.layers[2].name, "classifier");
  for (const LayerUpdate& layer : last3.layers) {
    EXPECT_TRUE(layer.bias);
    EXPECT_EQ(layer.weight_eighths, kRatioDenominator);
  }
  EXPECT_EQ(last_layers_scheme(graph, 1000).layers.size(), full_update_scheme(graph).layers.size());
}

}  // namespace
}  // namespace tinynas::compiler
