#include "engine/compiler/arch_json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>

#include "tests/engine/compiler/random_network.h"

namespace tinynas::compiler {
namespace {

using testing::random_network_spec;
using testing::same_spec;

std::string source_path(const std::string& relative) {
  return std::string(TINYNAS_SOURCE_DIR) + "/" + relative;
}

std::string write_temp(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << contents;
  return path;
}

nlohmann::json minimal_arch() {
  return nlohmann::json::parse(R"({
    "format": "tinynas-arch/1", "name": "tiny", "resolution": 32, "num_classes": 10,
    "first_conv": {"out_channels": 8, "kernel_size": 3, "stride": 2},
    "blocks": [{"out_channels": 8, "kernel_size": 3, "expand_ratio": 1},
               {"out_channels": 16, "kernel_size": 5, "stride": 2, "expand_ratio": 4},
               {"out_channels": 16, "kernel_size": 7, "expand_ratio": 3},
               {"out_channels": 24, "kernel_size": 3, "expand_ratio": 6}],
    "feature_mix": null})");
}

// The errors of parsing `document`, one "<path>: expected ..., found ..." per line.
std::string parse_error(const nlohmann::json& document) {
  try {
    parse_arch_json(document);
  } catch (const SpecError& error) {
    std::string all;
    for (const config::FieldError& field : error.errors()) {
      all += (all.empty() ? "" : "\n") + field.message();
    }
    return all;
  }
  return "(no error)";
}

TEST(ArchJson, ReadsTheSampleNetwork) {
  const NetworkSpec spec = load_arch_file(source_path("configs/nets/sample-fmnist.arch.json"));
  EXPECT_EQ(spec.name, "sample-fmnist");
  EXPECT_EQ(spec.resolution, 28);
  EXPECT_EQ(spec.input_channels, 1);
  EXPECT_EQ(spec.num_classes, 10);
  ASSERT_EQ(spec.blocks.size(), 5u);
  EXPECT_EQ(spec.blocks[0].in_channels, 16);
  EXPECT_EQ(spec.blocks[0].mid_channels, 16);  // expand_ratio 1: no expansion
  EXPECT_TRUE(spec.blocks[0].residual);        // stride 1, 16 -> 16
  EXPECT_EQ(spec.blocks[1].mid_channels, 48);  // 16 * 3
  EXPECT_FALSE(spec.blocks[1].residual);       // stride 2
  EXPECT_EQ(spec.blocks[2].in_channels, 24);
  EXPECT_EQ(spec.blocks[2].kernel_size, 5);
  ASSERT_TRUE(spec.feature_mix.has_value());
  EXPECT_EQ(spec.feature_mix->out_channels, 64);
  EXPECT_EQ(spec.feature_mix->kernel_size, 1);
  EXPECT_EQ(spec.first_conv.activation, Activation::kRelu6);
}

TEST(ArchJson, DefaultsAndOverrides) {
  nlohmann::json document = minimal_arch();
  document["blocks"][2]["mid_channels"] = 40;  // overrides round(16 * 3)
  document["blocks"][2]["residual"] = false;
  document["blocks"][3]["activation"] = "relu";
  const NetworkSpec spec = parse_arch_json(document);
  EXPECT_EQ(spec.input_channels, 3);
  EXPECT_EQ(spec.blocks[0].stride, 1);
  EXPECT_EQ(spec.blocks[2].mid_channels, 40);
  EXPECT_FALSE(spec.blocks[2].residual);
  EXPECT_EQ(spec.blocks[3].activation, Activation::kRelu);
  EXPECT_EQ(spec.blocks[3].in_channels, 16);
  EXPECT_FALSE(spec.feature_mix.has_value());
}

TEST(ArchJson, ExpandRatioRoundsHalfToEvenLikePython) {
  nlohmann::json document = minimal_arch();
  document["blocks"][1]["expand_ratio"] = 2.25;    // 8 * 2.25 = 18
  document["blocks"][2]["expand_ratio"] = 2.5;     // 16 * 2.5 = 40
  document["blocks"][3]["expand_ratio"] = 0.1875;  // 16 * 0.1875 = 3
  EXPECT_EQ(parse_arch_json(document).blocks[1].mid_channels, 18);
  EXPECT_EQ(expanded_channels(5, 0.5), 2);    // 2.5 -> 2 (half to even)
  EXPECT_EQ(expanded_channels(7, 0.5), 4);    // 3.5 -> 4
  EXPECT_EQ(expanded_channels(16, 4.6), 74);  // 73.6 -> 74
}

TEST(ArchJson, RoundTripsRandomNetworks) {
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    const NetworkSpec spec = random_network_spec(rng);
    const NetworkSpec back = parse_arch_json(nlohmann::json::parse(arch_to_json(spec).dump()));
    ASSERT_TRUE(same_spec(spec, back)) << arch_to_json(spec).dump(2);
  }
}

TEST(ArchJson, RoundTripsThroughAFile) {
  const NetworkSpec spec = load_arch_file(source_path("configs/nets/sample-fmnist.arch.json"));
  const std::string path = ::testing::TempDir() + "round-trip.arch.json";
  save_arch_file(spec, path);
  EXPECT_TRUE(same_spec(spec, load_arch_file(path)));
}

TEST(ArchJson, MissingFileNamesThePath) {
  try {
    load_arch_file("/nonexistent/net.arch.json");
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_STREQ(error.what(), "/nonexistent/net.arch.json: cannot open file");
  }
}

TEST(ArchJson, InvalidJsonGivesLineAndColumn) {
  const std::string path =
      write_temp("broken.arch.json", "{\n  \"format\": \"tinynas-arch/1\",\n  \"name\": tiny\n}\n");
  try {
    load_arch_file(path);
    FAIL() << "no error";
  } catch (const SpecError& error) {
    const std::string message = error.what();
    // Line 3, column 12: the 'i' of `tiny`, where the parser knew it is no literal (true).
    EXPECT_EQ(message.rfind(path + ":3:12: invalid JSON: ", 0), 0u) << message;
  }
}

TEST(ArchJson, InvalidJsonAtTheEndOfAFile) {
  const std::string path =
      write_temp("truncated.arch.json", "{\n  \"format\": \"tinynas-arch/1\",\n");
  try {
    load_arch_file(path);
    FAIL() << "no error";
  } catch (const SpecError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(path + ":3:1: invalid JSON: ", 0), 0u) << message;
  }
}

TEST(ArchJson, SemanticErrorsInAFileNameTheFile) {
  nlohmann::json document = minimal_arch();
  document["blocks"][3]["kernel_size"] = 4;
  const std::string path = write_temp("bad-kernel.arch.json", document.dump(2));
  try {
    load_arch_file(path);
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_EQ(std::string(error.what()),
              path + ": 1 error\n  blocks[3].kernel_size: expected 3, 5 or 7, found 4");
  }
}

TEST(ArchJson, UnsupportedKernelSize) {
  nlohmann::json document = minimal_arch();
  document["blocks"][3]["kernel_size"] = 4;
  EXPECT_EQ(parse_error(document), "blocks[3].kernel_size: expected 3, 5 or 7, found 4");
  document = minimal_arch();
  document["first_conv"]["kernel_size"] = 2;
  EXPECT_EQ(parse_error(document),
            "first_conv.kernel_size: expected an odd size in [1, 11], found 2");
}

TEST(ArchJson, NegativeOrZeroChannels) {
  nlohmann::json document = minimal_arch();
  document["blocks"][1]["out_channels"] = -8;
  EXPECT_EQ(parse_error(document),
            "blocks[1].out_channels: expected a channel count in [1, 65535], found -8");
  document = minimal_arch();
  document["first_conv"]["out_channels"] = 0;
  EXPECT_EQ(parse_error(document),
            "first_conv.out_channels: expected a channel count in [1, 65535], found 0");
  document = minimal_arch();
  document["blocks"][2]["mid_channels"] = -1;
  EXPECT_EQ(parse_error(document),
            "blocks[2].mid_channels: expected a channel count in [1, 65535], found -1");
}

TEST(ArchJson, UnknownKeysAreRejectedByName) {
  nlohmann::json document = minimal_arch();
  document["blocks"][0]["kernal_size"] = 3;
  EXPECT_EQ(parse_error(document).rfind("blocks[0].kernal_size: expected a known key (", 0), 0u);
  document = minimal_arch();
  document["resolutoin"] = 32;
  EXPECT_EQ(parse_error(document).rfind("resolutoin: expected a known key", 0), 0u);
}

TEST(ArchJson, OtherBadInputs) {
  nlohmann::json document = minimal_arch();
  document["format"] = "tinynas-arch/2";
  EXPECT_EQ(parse_error(document), "format: expected \"tinynas-arch/1\", found \"tinynas-arch/2\"");
  document = minimal_arch();
  document.erase("resolution");
  EXPECT_EQ(parse_error(document), "resolution: expected an integer, found missing");
  document = minimal_arch();
  document["blocks"][1]["stride"] = 3;
  EXPECT_EQ(parse_error(document), "blocks[1].stride: expected 1 or 2, found 3");
  document = minimal_arch();
  document["blocks"][1]["kernel_size"] = "5";
  EXPECT_EQ(parse_error(document), "blocks[1].kernel_size: expected an integer, found \"5\"");
  document = minimal_arch();
  document["blocks"][1].erase("expand_ratio");
  EXPECT_EQ(parse_error(document),
            "blocks[1].expand_ratio: expected a positive number (or mid_channels), found missing");
  document = minimal_arch();
  document["blocks"][1]["residual"] = true;
  EXPECT_EQ(parse_error(document),
            "blocks[1].residual: expected false (an identity shortcut needs stride 1 and "
            "in_channels == out_channels), found true (stride 2, 8 -> 16)");
  document = minimal_arch();
  document["activation"] = "swish";
  EXPECT_EQ(parse_error(document),
            "activation: expected \"relu6\", \"relu\" or \"none\", found \"swish\"");
  document = minimal_arch();
  document["blocks"] = {{"out_channels", 8}};
  EXPECT_EQ(parse_error(document),
            "blocks: expected an array of blocks, found {\"out_channels\":8}");
  document = minimal_arch();
  document["blocks"][2] = 5;
  EXPECT_EQ(parse_error(document), "blocks[2]: expected an object, found 5");
}

TEST(ArchJson, EveryBadFieldIsReportedAtOnce) {
  nlohmann::json document = minimal_arch();
  document["resolution"] = 0;
  document["first_conv"]["stride"] = 3;
  document["blocks"][0]["kernal_size"] = 3;
  document["blocks"][1]["kernel_size"] = 4;
  document["blocks"][3]["out_channels"] = -1;
  document["feature_mix"] = {{"out_channels", "many"}};
  EXPECT_EQ(parse_error(document),
            "resolution: expected [1, 65535], found 0\n"
            "first_conv.stride: expected 1 or 2, found 3\n"
            "blocks[0].kernal_size: expected a known key (out_channels, kernel_size, stride, "
            "expand_ratio, mid_channels, residual, activation), found unknown key \"kernal_size\"\n"
            "blocks[1].kernel_size: expected 3, 5 or 7, found 4\n"
            "blocks[3].out_channels: expected a channel count in [1, 65535], found -1\n"
            "feature_mix.out_channels: expected an integer, found \"many\"");
  try {
    parse_arch_json(document);
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("architecture: 6 errors\n  resolution: ", 0), 0u)
        << error.what();
  }
}

}  // namespace
}  // namespace tinynas::compiler
