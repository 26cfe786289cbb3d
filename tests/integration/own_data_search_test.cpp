// A search on the user's own RGB data, end to end as a user runs it: a CIFAR-10 binary folder
// (generated, tiny) through `tinynas search` (stage 1, supernet, evolution with the QEMU board,
// final training) and `tinynas export --build --verify` from the folder's test images,
// bit-exact on qemu-mps2-an386, with the class names in best/summary.json and model.h.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/datasets/dataset_test_files.h"
#include "tests/deploy/cli_command.h"

namespace tinynas {
namespace {

namespace fs = std::filesystem;

using testing::CommandResult;
using testing::run_cli;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A space for 1-channel, 4-class input: the search gives it the dataset's 3 channels and
// 10 classes.
nlohmann::json tiny_space() {
  return {{"format", "tinynas-space/1"},
          {"name", "tiny-own-data"},
          {"resolution", 16},
          {"input_channels", 1},
          {"num_classes", 4},
          {"width_multiplier", 1.0},
          {"first_conv", {{"channels", 8}, {"kernel_size", 3}, {"stride", 2}}},
          {"stages", {{{"channels", 8}, {"stride", 1}}, {{"channels", 16}, {"stride", 2}}}},
          {"feature_mix_channels", 32},
          {"kernel_sizes", {3}},
          {"expand_ratios", {3, 4}},
          {"depths", {1, 2}}};
}

nlohmann::json search_job(const fs::path& dir) {
  return {
      {"format", "tinynas-search/1"},
      {"name", "own-rgb"},
      {"board", "qemu-mps2-an386"},
      {"constraints", {{"peak_sram_bytes", 65536}, {"flash_bytes", 262144}}},
      {"dataset",
       {{"kind", "cifar-binary"},
        {"path", "cifar"},
        {"validation_size", 40},
        {"horizontal_flip", true},
        {"random_resized_crop", {{"scale", {0.5, 1.0}}}}}},
      {"space", "space.json"},
      {"stage1", {{"width_multipliers", {0.5, 1.0}}, {"resolutions", {12, 16}}, {"samples", 20}}},
      {"supernet",
       {{"threads", 1},
        {"train",
         {{"threads", 1},
          {"batch_size", 32},
          {"eval_batch_size", 40},
          {"bn_calibration_batches", 1},
          {"optimizer", {{"kind", "sgd"}, {"momentum", 0.9}}},
          {"phases",
           {{{"name", "full"}, {"epochs", 1}, {"learning_rate", 0.05}},
            {{"name", "elastic"},
             {"epochs", 1},
             {"learning_rate", 0.02},
             {"distillation", true},
             {"depths", {1, 2}},
             {"expand_ratios", {3, 4}}}}}}}}},
      {"evolution",
       {{"population", 4},
        {"generations", 2},
        {"hardware_every", 1},
        {"hardware_top_k", 1},
        {"calibration_samples", 3}}},
      {"final_training",
       {{"from", "supernet"}, {"epochs", 1}, {"learning_rate", 0.01}, {"validation_size", 10}}},
      {"output_dir", (dir / "runs").string()},
      {"seed", 5}};
}

TEST(OwnDataSearch, RgbCifarBinarySearchExportsAModelVerifiedBitExactOnTheBoard) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / "own-data";
  fs::remove_all(dir);
  datasets::testing::write_cifar10(dir / "cifar", 2, 80, 24);
  std::ofstream(dir / "space.json") << tiny_space().dump(2);
  std::ofstream(dir / "job.json") << search_job(dir).dump(2);

  const CommandResult search = run_cli("search " + (dir / "job.json").string());
  ASSERT_EQ(search.exit_code, 0) << search.output;
  // 40 images rank the candidates; the network that ships trains on 30 of them too.
  EXPECT_NE(search.output.find("supernet: data: 120 train, 40 validation"), std::string::npos)
      << search.output;
  EXPECT_NE(search.output.find("final training: data: 150 train, 10 validation"), std::string::npos)
      << search.output;
  const nlohmann::json summary = nlohmann::json::parse(read_text(dir / "runs/best/summary.json"));
  ASSERT_EQ(summary.at("class_names").size(), 10u) << summary.dump(2);
  EXPECT_EQ(summary.at("class_names")[0], "airplane");
  EXPECT_NE(read_text(dir / "runs/report.html").find("<b>truck</b>"), std::string::npos);
  const nlohmann::json space = nlohmann::json::parse(read_text(dir / "runs/supernet/space.json"));
  EXPECT_EQ(space.at("input_channels"), 3);
  EXPECT_EQ(space.at("num_classes"), 10);

  const CommandResult exported =
      run_cli("export " + (dir / "runs").string() + " --board qemu-mps2-an386 --out " +
              (dir / "export").string() + " --build --verify 6");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("6 samples, test split of CIFAR-10 binary files in"),
            std::string::npos)
      << exported.output;
  EXPECT_NE(exported.output.find("bit-exact with the host engine on all 6 samples"),
            std::string::npos)
      << exported.output;
  EXPECT_NE(exported.output.find("int8 top-1 accuracy on the board"), std::string::npos);
  const std::string header = read_text(dir / "export/model/model.h");
  EXPECT_NE(header.find("#define MODEL_CLASS_COUNT 10"), std::string::npos) << header;
  EXPECT_NE(header.find("{\"airplane\", \"automobile\""), std::string::npos) << header;
  EXPECT_NE(header.find("_INPUT_C 3"), std::string::npos) << header;
}

}  // namespace
}  // namespace tinynas
