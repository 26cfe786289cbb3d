#include <gtest/gtest.h>

#include <filesystem>

#include "supernet/fashion_mnist.h"
#include "supernet/image_dataset.h"
#include "supernet/synthetic_dataset.h"
#include "tests/datasets/idx_test_files.h"

namespace tinynas::supernet {
namespace {

namespace fs = std::filesystem;

using datasets::testing::idx_header;
using datasets::testing::write_gzip;

void expect_error_mentions(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected DatasetError mentioning " << needle;
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(FashionMnist, ReadsImagesAndLabelsFromGzipIdx) {
  std::vector<uint8_t> images = idx_header(0x803, {2, 2, 3});
  for (uint8_t v = 0; v < 12; ++v) images.push_back(v);
  std::vector<uint8_t> labels = idx_header(0x801, {2});
  labels.push_back(9);
  labels.push_back(0);
  const fs::path dir = fs::temp_directory_path() / "tinynas_fmnist_ok";
  fs::create_directories(dir);
  write_gzip((dir / "t10k-images-idx3-ubyte.gz").string(), images);
  write_gzip((dir / "t10k-labels-idx1-ubyte.gz").string(), labels);
  const ImageDataset data = load_fashion_mnist(dir.string(), datasets::FashionMnistPart::kTest);
  EXPECT_EQ(data.size(), 2u);
  EXPECT_EQ(data.height, 2);
  EXPECT_EQ(data.width, 3);
  EXPECT_EQ(data.labels, (std::vector<int>{9, 0}));
  EXPECT_EQ(data.image(1)[0], 6);
  fs::remove_all(dir);
}

TEST(FashionMnist, MissingFileNamesThePath) {
  expect_error_mentions(
      [] { load_fashion_mnist("/nonexistent/fmnist", datasets::FashionMnistPart::kTrain); },
      "/nonexistent/fmnist/train-images-idx3-ubyte.gz");
}

TEST(FashionMnist, DebianPackageFilesLoadWhenInstalled) {
  if (!fs::exists(std::string(datasets::kFashionMnistDefaultDir) + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  }
  const ImageDataset test =
      load_fashion_mnist(datasets::kFashionMnistDefaultDir, datasets::FashionMnistPart::kTest);
  EXPECT_EQ(test.size(), 10000u);
  EXPECT_EQ(test.height, 28);
  EXPECT_EQ(test.num_classes, 10);
}

TEST(ImageDataset, SplitIsDisjointSeededAndComplete) {
  const ImageDataset data = make_synthetic_dataset(50, 1, 8, 5, 1);
  const DatasetSplit a = split_train_validation(data, 10, 3);
  const DatasetSplit b = split_train_validation(data, 10, 3);
  EXPECT_EQ(a.train.size(), 40u);
  EXPECT_EQ(a.validation.size(), 10u);
  EXPECT_EQ(a.validation.pixels, b.validation.pixels);
  EXPECT_THROW(split_train_validation(data, 50, 3), std::invalid_argument);
}

TEST(ImageDataset, ResizeKeepsConstantImagesAndChangesSize) {
  ImageDataset data = make_synthetic_dataset(1, 1, 8, 2, 1);
  std::fill(data.pixels.begin(), data.pixels.end(), 77);
  const ImageDataset resized = resize_images(data, 20);
  EXPECT_EQ(resized.height, 20);
  EXPECT_EQ(resized.pixels.size(), 400u);
  for (uint8_t p : resized.pixels) EXPECT_EQ(p, 77);
}

TEST(SyntheticDataset, IsDeterministicAndBalanced) {
  const ImageDataset a = make_synthetic_dataset(40, 1, 12, 4, 9);
  const ImageDataset b = make_synthetic_dataset(40, 1, 12, 4, 9);
  EXPECT_EQ(a.pixels, b.pixels);
  for (int c = 0; c < 4; ++c) EXPECT_EQ(std::count(a.labels.begin(), a.labels.end(), c), 10);
}

}  // namespace
}  // namespace tinynas::supernet
