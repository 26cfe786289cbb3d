#include <gtest/gtest.h>

#include <filesystem>

#include "supernet/data_batches.h"
#include "supernet/fashion_mnist.h"
#include "supernet/image_dataset.h"
#include "supernet/job_datasets.h"
#include "supernet/synthetic_dataset.h"
#include "tests/datasets/idx_test_files.h"
#include "tests/supernet/tiny_space.h"

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

// MNIST-format files of `count` 12x12 training images (each filled with its own index) and 4
// test images, labels cycling over 4 classes.
fs::path write_numbered_idx_dataset(const std::string& name, uint8_t count) {
  const fs::path dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [part, n] : {std::pair<std::string, uint8_t>{"train", count}, {"t10k", 4}}) {
    std::vector<uint8_t> images = idx_header(0x803, {n, 12, 12});
    std::vector<uint8_t> labels = idx_header(0x801, {n});
    for (uint8_t i = 0; i < n; ++i) {
      images.insert(images.end(), 144, i);
      labels.push_back(i % 4);
    }
    write_gzip((dir / (part + "-images-idx3-ubyte.gz")).string(), images);
    write_gzip((dir / (part + "-labels-idx1-ubyte.gz")).string(), labels);
  }
  return dir;
}

TEST(JobDatasets, ValidationSeedFixesTheSplitAcrossJobSeeds) {
  const fs::path dir = write_numbered_idx_dataset("tinynas_validation_seed", 40);
  datasets::DatasetConfig config;
  config.kind = datasets::kIdxKind;
  config.path = dir.string();
  config.validation_size = 10;
  const space::SearchSpace space = testing::tiny_space();
  // Without validation_seed the split follows the job seed ...
  EXPECT_NE(load_job_datasets(config, space, 1).validation.pixels,
            load_job_datasets(config, space, 2).validation.pixels);
  // ... with it, jobs of every seed rank on (and train without) the same images.
  config.validation_seed = 7;
  const JobDatasets a = load_job_datasets(config, space, 1);
  const JobDatasets b = load_job_datasets(config, space, 2);
  EXPECT_EQ(a.validation.size(), 10u);
  EXPECT_EQ(a.validation.pixels, b.validation.pixels);
  EXPECT_EQ(a.train.pixels, b.train.pixels);
  fs::remove_all(dir);
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

// Training batches: the random-resized crops and flips are the same under the same seed (a
// resumed run sees the same batches), differ under another, and have the crop resolution.
TEST(Augmentation, CropsAndFlipsAreDeterministicUnderASeed) {
  ImageDataset data = make_synthetic_dataset(16, 3, 20, 4, 2);
  data.set_normalization({0.4f, {0.2f, 0.3f, 0.25f}});
  Augmentation augmentation;
  augmentation.horizontal_flip = true;
  augmentation.random_resized_crop = datasets::RandomResizedCrop{};
  augmentation.resolution = 12;
  const std::vector<size_t> order = shuffled_order(data.size(), 1);
  std::mt19937_64 a(5), b(5), c(6);
  const Batch first = make_batch(data, order, 0, 16, augmentation, &a);
  const Batch same = make_batch(data, order, 0, 16, augmentation, &b);
  const Batch other = make_batch(data, order, 0, 16, augmentation, &c);
  EXPECT_EQ(first.images.sizes(), (std::vector<int64_t>{16, 3, 12, 12}));
  EXPECT_TRUE(torch::equal(first.images, same.images));
  EXPECT_FALSE(torch::equal(first.images, other.images));
  EXPECT_TRUE(torch::equal(first.labels, other.labels));
  // Without an rng (evaluation) the stored images are used as they are, normalised per channel.
  const Batch eval = make_batch(data, order, 0, 1, augmentation);
  EXPECT_EQ(eval.images.sizes(), (std::vector<int64_t>{1, 3, 20, 20}));
  const float pixel = data.image(order[0])[20 * 20];  // channel 1, (0, 0)
  EXPECT_NEAR(eval.images[0][1][0][0].item<float>(), (pixel / 255.0f - 0.4f) / 0.3f, 1e-5);
}

}  // namespace
}  // namespace tinynas::supernet
