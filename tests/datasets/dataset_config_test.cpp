// The job's "dataset" object: every kind read through load_dataset, and every bad field of the
// object reported at once with its path.
#include "datasets/dataset_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "datasets/channel_statistics.h"
#include "datasets/dataset_error.h"
#include "datasets/dataset_source.h"
#include "tests/datasets/dataset_test_files.h"
#include "tests/datasets/idx_test_files.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string config_error(const nlohmann::json& object, const std::string& base_dir = "") {
  try {
    parse_dataset_config(object, "job.json", base_dir);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError for " << object.dump();
  return "";
}

void expect_contains(const std::string& text, const std::vector<std::string>& needles) {
  for (const std::string& needle : needles) {
    EXPECT_NE(text.find(needle), std::string::npos) << "'" << needle << "' not in: " << text;
  }
}

TEST(DatasetConfig, ImageFolderKeysAreRead) {
  TempDir dir("config_folder");
  fs::create_directories(dir.path() / "photos");
  const DatasetConfig c = parse_dataset_config(
      {{"kind", "image-folder"},
       {"path", "photos"},
       {"channels", 3},
       {"image_size", {24, 32}},
       {"split", {{"train", 0.7}, {"validation", 0.1}, {"test", 0.2}, {"seed", 5}}},
       {"skip_unreadable", true},
       {"horizontal_flip", true},
       {"random_resized_crop", {{"scale", {0.5, 1.0}}, {"ratio", {0.8, 1.25}}}},
       {"eval_crop", 0.875}},
      "job.json", dir.str());
  EXPECT_EQ(c.kind, "image-folder");
  EXPECT_EQ(c.path, (dir.path() / "photos").string());
  EXPECT_EQ(c.folder.channels, 3);
  EXPECT_EQ(c.folder.height, 24);
  EXPECT_EQ(c.folder.width, 32);
  EXPECT_DOUBLE_EQ(c.folder.split.test, 0.2);
  EXPECT_EQ(c.folder.split_seed, 5u);
  EXPECT_TRUE(c.folder.skip_unreadable);
  ASSERT_TRUE(c.random_resized_crop);
  EXPECT_DOUBLE_EQ(c.random_resized_crop->min_scale, 0.5);
  EXPECT_DOUBLE_EQ(c.eval_crop, 0.875);
}

TEST(DatasetConfig, ValidationSeedIsOptionalAndChecked) {
  TempDir dir("config_validation_seed");
  EXPECT_FALSE(parse_dataset_config(
                   {{"kind", "synthetic"}, {"synthetic_train_size", 8}, {"synthetic_test_size", 4}},
                   "job.json", dir.str())
                   .validation_seed);
  const DatasetConfig c = parse_dataset_config({{"kind", "synthetic"},
                                                {"synthetic_train_size", 8},
                                                {"synthetic_test_size", 4},
                                                {"validation_size", 2},
                                                {"validation_seed", 11}},
                                               "job.json", dir.str());
  EXPECT_EQ(c.validation_seed, std::optional<uint64_t>(11));
  expect_contains(config_error({{"kind", "synthetic"},
                                {"synthetic_train_size", 8},
                                {"synthetic_test_size", 4},
                                {"validation_seed", -1}}),
                  {"validation_seed"});
}

TEST(DatasetConfigErrors, BadRatiosAndEveryOtherBadFieldAreReportedAtOnce) {
  TempDir dir("config_bad");
  const std::string message =
      config_error({{"kind", "image-folder"},
                    {"path", dir.str()},
                    {"channels", 2},
                    {"image_size", {0, 8}},
                    {"split", {{"train", 0.5}, {"validation", 0.1}, {"test", 0.1}}},
                    {"random_resized_crop", {{"scale", {0.9, 0.1}}}},
                    {"label", "fine"}});
  expect_contains(message,
                  {"job.json", "dataset.channels", "1 (grey) or 3 (RGB)", "dataset.image_size",
                   "dataset.split", "train + validation + test == 1",
                   "dataset.random_resized_crop.scale", "dataset.label", "only \"cifar-binary\""});
  expect_contains(config_error({{"kind", "image-folder"},
                                {"path", dir.str()},
                                {"split", {{"train", 1.0}, {"test", 0.0}}}}),
                  {"dataset.split.test", "a ratio > 0"});
}

TEST(DatasetConfigErrors, KindAndPathAreChecked) {
  expect_contains(config_error({{"kind", "tfrecord"}}), {"dataset.kind", "tfrecord"});
  expect_contains(config_error({{"kind", "cifar-binary"}}), {"dataset.path"});
  expect_contains(config_error({{"kind", "idx"}, {"path", "/nonexistent/mnist"}}),
                  {"dataset.path", "/nonexistent/mnist", "no such folder"});
}

TEST(DatasetSource, IdxOfAnyMnistFormatSetWithInferredClassesAndTransposition) {
  TempDir dir("source_idx");
  for (const char* part : {"train", "t10k"}) {
    std::vector<uint8_t> images = testing::idx_header(0x803, {3, 2, 3});
    for (uint8_t v = 0; v < 18; ++v) images.push_back(v);
    std::vector<uint8_t> labels = testing::idx_header(0x801, {3});
    for (uint8_t label : {0, 4, 2}) labels.push_back(label);
    testing::write_bytes(dir.path() / (std::string(part) + "-images-idx3-ubyte"), images);
    testing::write_gzip((dir.path() / (std::string(part) + "-labels-idx1-ubyte.gz")).string(),
                        labels);
  }
  forget_loaded_datasets();
  const auto parts = load_dataset(parse_dataset_config(
      {{"kind", "idx"}, {"path", dir.str()}, {"transpose", true}}, "job.json"));
  EXPECT_EQ(parts->num_classes(), 5);  // the largest label + 1
  EXPECT_EQ(parts->class_names[4], "4");
  EXPECT_EQ(parts->train.height, 3);  // 2x3 stored column-major: 3 rows of 2
  EXPECT_EQ(parts->train.width, 2);
  EXPECT_EQ(parts->train.image(0)[1], 3);
  EXPECT_EQ(parts->test.size(), 3u);
  EXPECT_EQ(parts->channels(), 1);
}

TEST(DatasetSource, ClassesAndTransformMakeANewTaskOfEveryPart) {
  TempDir dir("source_task");
  for (const char* part : {"train", "t10k"}) {
    std::vector<uint8_t> images = testing::idx_header(0x803, {4, 1, 2});
    for (uint8_t v = 0; v < 8; ++v) images.push_back(v);
    std::vector<uint8_t> labels = testing::idx_header(0x801, {4});
    for (uint8_t label : {0, 3, 2, 3}) labels.push_back(label);
    testing::write_bytes(dir.path() / (std::string(part) + "-images-idx3-ubyte"), images);
    testing::write_bytes(dir.path() / (std::string(part) + "-labels-idx1-ubyte"), labels);
  }
  forget_loaded_datasets();
  const nlohmann::json names = {"w", "x", "y", "z"};
  const auto task = load_dataset(parse_dataset_config({{"kind", "idx"},
                                                       {"path", dir.str()},
                                                       {"class_names", names},
                                                       {"classes", {3, 2}},
                                                       {"transform", "invert"}},
                                                      "job.json"));
  EXPECT_EQ(task->class_names, (std::vector<std::string>{"z", "y"}));
  EXPECT_EQ(task->num_classes(), 2);
  for (const LabeledImages* part : {&task->train, &task->test}) {
    EXPECT_EQ(part->labels, (std::vector<int>{0, 1, 0}));  // images 1, 2, 3
    EXPECT_EQ(part->pixels, (std::vector<uint8_t>{253, 252, 251, 250, 249, 248}));
  }
  EXPECT_NE(task->description.find("classes 3,2"), std::string::npos) << task->description;
  EXPECT_NE(task->description.find("transform invert"), std::string::npos) << task->description;
  // The whole dataset is still there under its own configuration.
  const auto whole = load_dataset(parse_dataset_config(
      {{"kind", "idx"}, {"path", dir.str()}, {"transform", "rotate90"}}, "job.json"));
  EXPECT_EQ(whole->num_classes(), 4);
  EXPECT_EQ(whole->train.height, 2);
  EXPECT_EQ(whole->train.width, 1);
  // A class the data does not have is named when the data is read.
  try {
    load_dataset(
        parse_dataset_config({{"kind", "idx"}, {"path", dir.str()}, {"classes", {1, 4}}}, "job"));
    FAIL() << "expected a DatasetError";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset.classes[1]"), std::string::npos) << e.what();
  }
}

TEST(DatasetConfigErrors, ClassesAndTransformAreCheckedWithTheirPaths) {
  expect_contains(
      config_error({{"kind", "fashion-mnist"}, {"classes", {5, 6, 5}}, {"transform", "rotate45"}}),
      {"dataset.classes[2]", "not listed before", "dataset.transform", "rotate90"});
  expect_contains(config_error({{"kind", "fashion-mnist"}, {"classes", {5}}}),
                  {"dataset.classes", "at least 2"});
  expect_contains(config_error({{"kind", "fashion-mnist"}, {"classes", {-1, 2}}}),
                  {"dataset.classes[0]"});
  expect_contains(config_error({{"kind", "synthetic"},
                                {"synthetic_train_size", 4},
                                {"synthetic_test_size", 4},
                                {"classes", {0, 1}},
                                {"transform", "invert"}}),
                  {"dataset.classes", "dataset.transform", "no such key for kind \"synthetic\""});
}

TEST(DatasetSource, CifarBinaryAndImageFolderKindsLoadWithClassNames) {
  TempDir dir("source_kinds");
  testing::write_cifar10(dir.path() / "cifar", 1, 4, 2);
  testing::write_class_folders(dir.path() / "photos", {"ant", "bee", "cow"}, 5, 3, 8);
  forget_loaded_datasets();
  const auto cifar = load_dataset(
      parse_dataset_config({{"kind", "cifar-binary"}, {"path", "cifar"}}, "job", dir.str()));
  EXPECT_EQ(cifar->num_classes(), 10);
  EXPECT_EQ(cifar->class_names[0], "airplane");
  EXPECT_EQ(cifar->channels(), 3);
  EXPECT_NE(cifar->description.find("CIFAR-10"), std::string::npos) << cifar->description;
  const auto folder = load_dataset(
      parse_dataset_config({{"kind", "image-folder"},
                            {"path", "photos"},
                            {"split", {{"train", 0.6}, {"validation", 0.2}, {"test", 0.2}}}},
                           "job", dir.str()));
  EXPECT_EQ(folder->class_names, (std::vector<std::string>{"ant", "bee", "cow"}));
  ASSERT_TRUE(folder->validation);
  EXPECT_EQ(folder->train.size() + folder->validation->size() + folder->test.size(), 15u);
  // A folder without test images cannot be evaluated.
  TempDir no_test("source_no_test");
  testing::write_class_folders(no_test.path() / "train", {"a", "b"}, 2, 1, 4);
  EXPECT_THROW(load_dataset(parse_dataset_config(
                   {{"kind", "image-folder"}, {"path", no_test.str()}}, "job")),
               DatasetError);
}

TEST(ChannelStatistics, MeanOverChannelsAndStdPerChannel) {
  LabeledImages images;
  images.channels = 2;
  images.height = 1;
  images.width = 2;
  images.pixels = {0, 255, 51, 51};  // channel 0: 0 and 255; channel 1: constant
  images.labels = {0};
  const Normalization n = compute_normalization(images);
  EXPECT_NEAR(n.mean, (0.0 + 1.0 + 0.2 + 0.2) / 4, 1e-6);
  ASSERT_EQ(n.stds.size(), 2u);
  EXPECT_NEAR(n.stds[0], 0.5, 1e-6);
  EXPECT_GT(n.stds[1], 0.0f);  // never 0: it divides
}

}  // namespace
}  // namespace tinynas::datasets
