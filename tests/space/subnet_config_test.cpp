#include "space/subnet_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "engine/compiler/arch_json.h"

namespace tinynas::space {
namespace {

SearchSpace fmnist_space() {
  return load_search_space(std::string(TINYNAS_SOURCE_DIR) +
                           "/configs/spaces/fmnist-r28-w1.0.json");
}

TEST(SubnetConfig, SamplingIsSeededAndCoversTheChoices) {
  const SearchSpace space = fmnist_space();
  EXPECT_EQ(sample_subnet(space, uint64_t{7}), sample_subnet(space, uint64_t{7}));
  std::mt19937_64 rng(1);
  std::set<int> kernels, expands, depths;
  for (int i = 0; i < 200; ++i) {
    const SubnetConfig subnet = sample_subnet(space, rng);
    validate_subnet(space, subnet);
    for (const auto& stage : subnet.stages) {
      depths.insert(static_cast<int>(stage.size()));
      for (const BlockChoice& b : stage) {
        kernels.insert(b.kernel_size);
        expands.insert(b.expand_ratio);
      }
    }
  }
  EXPECT_EQ(kernels, (std::set<int>{3, 5, 7}));
  EXPECT_EQ(expands, (std::set<int>{3, 4, 6}));
  EXPECT_EQ(depths, (std::set<int>{2, 3, 4}));
}

TEST(SubnetConfig, RestrictedChoicesAreRespected) {
  const SearchSpace space = fmnist_space();
  ChoiceSet choices{{5}, {6}, {4}};
  std::mt19937_64 rng(2);
  const SubnetConfig subnet = sample_subnet(space, choices, rng);
  for (const auto& stage : subnet.stages) {
    EXPECT_EQ(stage.size(), 4u);
    for (const BlockChoice& b : stage) EXPECT_EQ(b, (BlockChoice{5, 6}));
  }
}

TEST(SubnetConfig, EncodingRoundTripsAndHasFixedLength) {
  const SearchSpace space = fmnist_space();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20; ++i) {
    const SubnetConfig subnet = sample_subnet(space, rng);
    const std::vector<int> code = encode_subnet(space, subnet);
    EXPECT_EQ(static_cast<int>(code.size()), encoding_length(space));
    EXPECT_EQ(decode_subnet(space, code), subnet);
  }
  EXPECT_THROW(decode_subnet(space, {1, 2, 3}), std::invalid_argument);
}

TEST(SubnetConfig, LargestAndSmallest) {
  const SearchSpace space = fmnist_space();
  const SubnetConfig largest = largest_subnet(space);
  const SubnetConfig smallest = smallest_subnet(space);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    EXPECT_EQ(largest.stages[s].size(), 4u);
    EXPECT_EQ(smallest.stages[s].size(), 2u);
    EXPECT_EQ(largest.stages[s][0], (BlockChoice{7, 6}));
    EXPECT_EQ(smallest.stages[s][0], (BlockChoice{3, 3}));
  }
}

TEST(SubnetConfig, NetworkSpecFollowsTheSpace) {
  const SearchSpace space = fmnist_space();
  const compiler::NetworkSpec spec = to_network_spec(space, largest_subnet(space));
  EXPECT_EQ(spec.resolution, 28);
  EXPECT_EQ(spec.input_channels, 1);
  EXPECT_EQ(spec.num_classes, 10);
  ASSERT_EQ(spec.blocks.size(), 12u);
  EXPECT_EQ(spec.blocks[0].in_channels, space.first_conv_channels());
  EXPECT_EQ(spec.blocks[0].stride, space.stages[0].stride);
  EXPECT_EQ(spec.blocks[1].stride, 1);
  EXPECT_EQ(spec.blocks[0].mid_channels, space.first_conv_channels() * 6);
  EXPECT_TRUE(spec.blocks[1].residual);
  EXPECT_FALSE(spec.blocks[4].residual);  // 16 -> 24 channels
  ASSERT_TRUE(spec.feature_mix.has_value());
}

TEST(SubnetConfig, NetworkSpecAndArchFileRoundTrip) {
  const SearchSpace space = fmnist_space();
  const SubnetConfig subnet = sample_subnet(space, uint64_t{11});
  EXPECT_EQ(subnet_from_network_spec(space, to_network_spec(space, subnet)), subnet);
  const std::string path =
      (std::filesystem::temp_directory_path() / "tinynas_subnet_arch.json").string();
  save_subnet_arch(space, subnet, path);
  EXPECT_EQ(load_subnet_arch(space, path), subnet);
  std::filesystem::remove(path);
}

// Expand ratio 1 (MobileNetV2's first block): the middle width is the input's, which the
// network spec (and so the planner and the int8 graph) reads as "no expansion conv".
TEST(SubnetConfig, ExpandRatioOneHasNoExpansionConvAndRoundTrips) {
  nlohmann::json document = search_space_to_json(fmnist_space());
  document["expand_ratios"] = {1, 3, 6};
  const SearchSpace space = parse_search_space(document);
  SubnetConfig subnet = largest_subnet(space);
  subnet.stages[0][0].expand_ratio = 1;
  const compiler::NetworkSpec spec = to_network_spec(space, subnet);
  EXPECT_EQ(spec.blocks[0].mid_channels, spec.blocks[0].in_channels);
  EXPECT_EQ(spec.blocks[1].mid_channels, spec.blocks[1].in_channels * 6);
  EXPECT_EQ(subnet_from_network_spec(space, spec), subnet);
  const std::string path =
      (std::filesystem::temp_directory_path() / "tinynas_subnet_e1.arch.json").string();
  save_subnet_arch(space, subnet, path);
  EXPECT_EQ(compiler::load_arch_file(path).blocks[0].mid_channels, spec.blocks[0].in_channels);
  EXPECT_EQ(load_subnet_arch(space, path), subnet);
  std::filesystem::remove(path);
  document["expand_ratios"] = {0, 3};
  EXPECT_THROW(parse_search_space(document), compiler::SpecError);
}

TEST(SubnetConfig, StagesOfEqualWidthAreToldApartByStrideAndDepth) {
  // MobileNetV2 at width 0.2: its first three stages all have 8 channels.
  const SearchSpace space = load_search_space(std::string(TINYNAS_SOURCE_DIR) +
                                              "/configs/spaces/mobilenetv2-w0.2-r28.json");
  ASSERT_EQ(space.stage_channels(0), space.stage_channels(1));
  ASSERT_EQ(space.stage_channels(1), space.stage_channels(2));
  std::mt19937_64 rng(5);
  for (int i = 0; i < 50; ++i) {
    const SubnetConfig subnet = sample_subnet(space, rng);
    EXPECT_EQ(subnet_from_network_spec(space, to_network_spec(space, subnet)), subnet)
        << describe_subnet(subnet);
  }
  const SubnetConfig mobilenet_v2 = load_subnet_arch(
      space, std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mobilenetv2-w0.2-r28.arch.json");
  std::vector<int> depths;
  for (const auto& stage : mobilenet_v2.stages) depths.push_back(static_cast<int>(stage.size()));
  EXPECT_EQ(depths, (std::vector<int>{1, 2, 3, 4, 3, 3, 1}));
}

TEST(SubnetConfig, ForeignNetworksAreRejectedWithTheBlockNamed) {
  const SearchSpace space = fmnist_space();
  compiler::NetworkSpec spec = to_network_spec(space, largest_subnet(space));
  spec.blocks[2].mid_channels += 1;
  try {
    subnet_from_network_spec(space, spec);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("blocks[2].mid_channels"), std::string::npos) << e.what();
  }
  SubnetConfig bad = largest_subnet(space);
  bad.stages[1][0].kernel_size = 9;
  EXPECT_THROW(validate_subnet(space, bad), std::invalid_argument);
}

}  // namespace
}  // namespace tinynas::space
