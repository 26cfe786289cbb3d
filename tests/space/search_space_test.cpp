#include "space/search_space.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/compiler/spec_error.h"

namespace tinynas::space {
namespace {

const std::string kFmnistSpace =
    std::string(TINYNAS_SOURCE_DIR) + "/configs/spaces/fmnist-r28-w1.0.json";

std::string error_of(const nlohmann::json& document) {
  try {
    parse_search_space(document);
  } catch (const compiler::SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(SearchSpace, LoadsTheFashionMnistSpace) {
  const SearchSpace space = load_search_space(kFmnistSpace);
  EXPECT_EQ(space.resolution, 28);
  EXPECT_EQ(space.input_channels, 1);
  EXPECT_EQ(space.num_classes, 10);
  EXPECT_EQ(space.kernel_sizes, (std::vector<int>{3, 5, 7}));
  EXPECT_EQ(space.expand_ratios, (std::vector<int>{3, 4, 6}));
  EXPECT_EQ(space.depths, (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(space.max_depth(), 4);
}

TEST(SearchSpace, JsonRoundTrip) {
  const SearchSpace space = load_search_space(kFmnistSpace);
  const SearchSpace again = parse_search_space(search_space_to_json(space));
  EXPECT_EQ(search_space_to_json(again), search_space_to_json(space));
}

TEST(SearchSpace, WidthMultiplierScalesChannelsToMultiplesOfEight) {
  SearchSpace space = load_search_space(kFmnistSpace);
  space.width_multiplier = 0.5;
  EXPECT_EQ(space.stage_channels(1), 16);  // 24 * 0.5 = 12 -> 16 (make_divisible)
  EXPECT_EQ(space.first_conv_channels(), 8);
  EXPECT_EQ(make_divisible(40 * 0.75), 32);
  EXPECT_EQ(make_divisible(3), 8);
}

TEST(SearchSpace, ErrorsNameTheJsonPath) {
  const nlohmann::json good = search_space_to_json(load_search_space(kFmnistSpace));
  nlohmann::json bad = good;
  bad["stages"][1]["stride"] = 3;
  EXPECT_NE(error_of(bad).find("stages[1].stride: expected 1 or 2, found 3"), std::string::npos)
      << error_of(bad);
  bad = good;
  bad["kernel_sizes"] = {3, 4};
  EXPECT_NE(error_of(bad).find("kernel_sizes[1]"), std::string::npos) << error_of(bad);
  bad = good;
  bad["depths"] = {3, 2};
  EXPECT_NE(error_of(bad).find("depths[1]: expected a value above the previous one (3), found 2"),
            std::string::npos)
      << error_of(bad);
  bad = good;
  bad["expand_ratio"] = 3;
  EXPECT_NE(error_of(bad).find("expand_ratio"), std::string::npos) << error_of(bad);
  bad = good;
  bad["format"] = "other";
  EXPECT_NE(error_of(bad).find("format"), std::string::npos) << error_of(bad);
}

TEST(SearchSpace, EveryBadFieldIsReportedAtOnce) {
  nlohmann::json bad = search_space_to_json(load_search_space(kFmnistSpace));
  bad["stages"][1]["stride"] = 3;
  bad["kernel_sizes"] = {3, 4};
  bad["width_multiplier"] = -1;
  try {
    parse_search_space(bad);
    FAIL() << "expected an error";
  } catch (const compiler::SpecError& e) {
    ASSERT_EQ(e.errors().size(), 3u) << e.what();
    EXPECT_EQ(e.errors()[0].path, "width_multiplier");
    EXPECT_EQ(e.errors()[1].path, "stages[1].stride");
    EXPECT_EQ(e.errors()[2].path, "kernel_sizes[1]");
    EXPECT_EQ(std::string(e.what()).rfind("search space: 3 errors\n", 0), 0u) << e.what();
  }
}

TEST(SearchSpace, MissingFileIsNamed) {
  try {
    load_search_space("/nonexistent/space.json");
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/space.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinynas::space
