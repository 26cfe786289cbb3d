#include "engine/compiler/net_config_import.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/compiler/arch_json.h"
#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

std::string mcunet_in3_path() {
  return std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-in3.json";
}

// Two blocks of a once-for-all config: 16 -> 8 (no expansion), 8 -> 8 with a shortcut.
nlohmann::json small_config() {
  return nlohmann::json::parse(R"({
    "name": "ProxylessNASNets",
    "bn": {"momentum": 0.1, "eps": 1e-05},
    "first_conv": {"name": "ConvLayer", "kernel_size": 3, "stride": 2, "dilation": 1,
                   "groups": 1, "bias": false, "has_shuffle": false, "in_channels": 3,
                   "out_channels": 16, "use_bn": true, "act_func": "relu6", "dropout_rate": 0,
                   "ops_order": "weight_bn_act"},
    "blocks": [
      {"name": "MobileInvertedResidualBlock",
       "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": 16,
                                "out_channels": 8, "kernel_size": 3, "stride": 1,
                                "expand_ratio": 1, "mid_channels": null, "act_func": "relu6",
                                "use_se": false},
       "shortcut": null},
      {"name": "MobileInvertedResidualBlock",
       "mobile_inverted_conv": {"name": "MBInvertedConvLayer", "in_channels": 8,
                                "out_channels": 8, "kernel_size": 5, "stride": 1,
                                "expand_ratio": 3, "mid_channels": null, "act_func": "relu"},
       "shortcut": {"name": "IdentityLayer", "in_channels": [8], "out_channels": [8],
                    "use_bn": false, "act_func": null}}
    ],
    "feature_mix_layer": {"name": "ConvLayer", "kernel_size": 1, "stride": 1, "in_channels": 8,
                          "out_channels": 32, "act_func": "relu6"},
    "classifier": {"name": "LinearLayer", "in_features": 32, "out_features": 10, "bias": true,
                   "use_bn": false, "act_func": null, "dropout_rate": 0}
  })");
}

// The errors of importing `config`, one "<path>: expected ..., found ..." per line.
std::string import_error(const nlohmann::json& document,
                         const NetConfigOptions& options = {32, ""}) {
  try {
    import_net_config(document, options);
  } catch (const SpecError& error) {
    std::string all;
    for (const config::FieldError& field : error.errors()) {
      all += (all.empty() ? "" : "\n") + field.message();
    }
    return all;
  }
  return "(no error)";
}

TEST(NetConfigImport, ReadsMcunetIn3) {
  const NetworkSpec spec = load_net_config(mcunet_in3_path());
  EXPECT_EQ(spec.name, "mcunet-in3");
  EXPECT_EQ(spec.resolution, 176);
  EXPECT_EQ(spec.input_channels, 3);
  EXPECT_EQ(spec.num_classes, 1000);
  EXPECT_EQ(spec.first_conv.out_channels, 16);
  EXPECT_EQ(spec.first_conv.stride, 2);
  ASSERT_EQ(spec.blocks.size(), 18u);
  EXPECT_EQ(spec.blocks[0].mid_channels, 16);  // expand ratio 1
  EXPECT_EQ(spec.blocks[1].mid_channels, 24);  // 8 * 3
  EXPECT_EQ(spec.blocks[1].kernel_size, 7);
  EXPECT_EQ(spec.blocks[1].stride, 2);
  EXPECT_FALSE(spec.blocks[1].residual);
  EXPECT_TRUE(spec.blocks[2].residual);
  EXPECT_EQ(spec.blocks[9].mid_channels, 240);  // 40 * 6
  EXPECT_EQ(spec.blocks[17].out_channels, 160);
  EXPECT_FALSE(spec.feature_mix.has_value());
  int residual_blocks = 0;
  for (const BlockSpec& block : spec.blocks) {
    residual_blocks += block.residual ? 1 : 0;
    EXPECT_EQ(block.activation, Activation::kRelu6);
  }
  EXPECT_EQ(residual_blocks, 11);
}

TEST(NetConfigImport, AgreesWithOurArchFileOfTheSameNetwork) {
  const NetworkSpec imported = load_net_config(mcunet_in3_path());
  const NetworkSpec written =
      load_arch_file(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/mcunet-in3.arch.json");
  EXPECT_TRUE(testing::same_spec(imported, written));
}

TEST(NetConfigImport, ReadsBlocksFeatureMixAndClassifier) {
  const NetworkSpec spec = import_net_config(small_config(), {64, "small"});
  EXPECT_EQ(spec.name, "small");
  EXPECT_EQ(spec.resolution, 64);
  ASSERT_EQ(spec.blocks.size(), 2u);
  EXPECT_EQ(spec.blocks[0].mid_channels, 16);
  EXPECT_FALSE(spec.blocks[0].residual);
  EXPECT_EQ(spec.blocks[1].mid_channels, 24);
  EXPECT_TRUE(spec.blocks[1].residual);
  EXPECT_EQ(spec.blocks[1].activation, Activation::kRelu);
  ASSERT_TRUE(spec.feature_mix.has_value());
  EXPECT_EQ(spec.feature_mix->out_channels, 32);
  EXPECT_EQ(spec.num_classes, 10);
}

TEST(NetConfigImport, ExplicitMidChannelsAndNewerNames) {
  nlohmann::json config = small_config();
  config["blocks"][1]["mobile_inverted_conv"]["mid_channels"] = 20;
  nlohmann::json newer = config["blocks"][1];
  newer["name"] = "ResidualBlock";
  newer["conv"] = newer["mobile_inverted_conv"];
  newer["conv"]["name"] = "MBConvLayer";
  newer.erase("mobile_inverted_conv");
  config["blocks"][1] = newer;
  const NetworkSpec spec = import_net_config(config, {32, ""});
  EXPECT_EQ(spec.blocks[1].mid_channels, 20);
  EXPECT_TRUE(spec.blocks[1].residual);
}

TEST(NetConfigImport, ResolutionComesFromTheConfigOrTheCaller) {
  nlohmann::json config = small_config();
  EXPECT_EQ(import_error(config, {}),
            "resolution: expected a resolution (the net config has none: pass one explicitly), "
            "found missing");
  config["resolution"] = 96;
  EXPECT_EQ(import_net_config(config).resolution, 96);
  EXPECT_EQ(import_net_config(config, {128, ""}).resolution, 128);
}

TEST(NetConfigImport, UnknownBlockNameNamesIndexAndName) {
  nlohmann::json config = small_config();
  config["blocks"][1]["name"] = "SEResidualBlock";
  EXPECT_EQ(import_error(config),
            "blocks[1].name: expected \"MobileInvertedResidualBlock\" or \"ResidualBlock\", "
            "found \"SEResidualBlock\"");
  config = small_config();
  config["blocks"][0]["mobile_inverted_conv"]["name"] = "ZeroLayer";
  EXPECT_EQ(import_error(config),
            "blocks[0].mobile_inverted_conv.name: expected \"MBInvertedConvLayer\" or "
            "\"MBConvLayer\", found \"ZeroLayer\"");
}

TEST(NetConfigImport, NegativeChannelCount) {
  nlohmann::json config = small_config();
  config["blocks"][0]["mobile_inverted_conv"]["out_channels"] = -8;
  EXPECT_EQ(import_error(config),
            "blocks[0].mobile_inverted_conv.out_channels: expected a channel count in "
            "[1, 65535], found -8");
}

TEST(NetConfigImport, UnsupportedKernelSize) {
  nlohmann::json config = small_config();
  config["blocks"][1]["mobile_inverted_conv"]["kernel_size"] = 9;
  EXPECT_EQ(import_error(config),
            "blocks[1].mobile_inverted_conv.kernel_size: expected 3, 5 or 7, found 9");
}

TEST(NetConfigImport, ChannelsMustChain) {
  nlohmann::json config = small_config();
  config["blocks"][1]["mobile_inverted_conv"]["in_channels"] = 16;
  EXPECT_EQ(import_error(config),
            "blocks[1].mobile_inverted_conv.in_channels: expected 8 (the output channels of "
            "blocks[0]), found 16");
  config = small_config();
  config["classifier"]["in_features"] = 8;
  EXPECT_EQ(import_error(config),
            "classifier.in_features: expected 32 (the output channels of feature_mix_layer), "
            "found 8");
}

TEST(NetConfigImport, UnsupportedFeaturesAreErrors) {
  nlohmann::json config = small_config();
  config["blocks"][1]["mobile_inverted_conv"]["use_se"] = true;
  EXPECT_EQ(import_error(config),
            "blocks[1].mobile_inverted_conv.use_se: expected false (squeeze-and-excitation is "
            "not supported), found true");
  config = small_config();
  config["first_conv"]["act_func"] = "h_swish";
  EXPECT_EQ(import_error(config),
            "first_conv.act_func: expected \"relu6\", \"relu\" or null, found \"h_swish\"");
  config = small_config();
  config["blocks"][0]["shortcut"] = {{"name", "IdentityLayer"}};
  EXPECT_EQ(import_error(config),
            "blocks[0].shortcut: expected null (an identity shortcut needs stride 1 and "
            "in_channels == out_channels), found an identity shortcut with stride 1, 16 -> 8");
  config = small_config();
  config["name"] = "ResNets";
  EXPECT_EQ(import_error(config),
            "name: expected \"ProxylessNASNets\" or \"MobileNetV2\", found \"ResNets\"");
}

TEST(NetConfigImport, EveryBadFieldIsReportedAtOnce) {
  nlohmann::json config = small_config();
  config["first_conv"]["act_func"] = "h_swish";
  config["blocks"][0]["mobile_inverted_conv"]["use_se"] = true;
  config["blocks"][1]["mobile_inverted_conv"]["kernel_size"] = 9;
  config["classifier"]["in_features"] = 8;
  EXPECT_EQ(import_error(config),
            "first_conv.act_func: expected \"relu6\", \"relu\" or null, found \"h_swish\"\n"
            "blocks[0].mobile_inverted_conv.use_se: expected false (squeeze-and-excitation is "
            "not supported), found true\n"
            "blocks[1].mobile_inverted_conv.kernel_size: expected 3, 5 or 7, found 9\n"
            "classifier.in_features: expected 32 (the output channels of feature_mix_layer), "
            "found 8");
}

TEST(NetConfigImport, FileErrors) {
  try {
    load_net_config("/nonexistent/net.config");
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_STREQ(error.what(), "/nonexistent/net.config: cannot open file");
  }
}

}  // namespace
}  // namespace tinynas::compiler
