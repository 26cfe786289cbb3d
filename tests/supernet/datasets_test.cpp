#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "supernet/fashion_mnist.h"
#include "supernet/image_dataset.h"
#include "supernet/synthetic_dataset.h"

namespace tinynas::supernet {
namespace {

namespace fs = std::filesystem;

std::string write_gzip(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = (fs::temp_directory_path() / name).string();
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
  return path;
}

std::vector<uint8_t> idx_header(uint32_t magic, std::vector<uint32_t> dims) {
  std::vector<uint8_t> out;
  auto put = [&out](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put(magic);
  for (uint32_t d : dims) put(d);
  return out;
}

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
  fs::rename(write_gzip("i.gz", images), dir / "t10k-images-idx3-ubyte.gz");
  fs::rename(write_gzip("l.gz", labels), dir / "t10k-labels-idx1-ubyte.gz");
  const ImageDataset data = load_fashion_mnist(dir.string(), FashionMnistPart::kTest);
  EXPECT_EQ(data.size(), 2u);
  EXPECT_EQ(data.height, 2);
  EXPECT_EQ(data.width, 3);
  EXPECT_EQ(data.labels, (std::vector<int>{9, 0}));
  EXPECT_EQ(data.image(1)[0], 6);
  fs::remove_all(dir);
}

TEST(FashionMnist, MissingFileNamesThePath) {
  expect_error_mentions([] { load_fashion_mnist("/nonexistent/fmnist", FashionMnistPart::kTrain); },
                        "/nonexistent/fmnist/train-images-idx3-ubyte.gz");
}

TEST(FashionMnist, CorruptFilesAreRejected) {
  const std::string wrong_magic = write_gzip("tinynas_magic.gz", idx_header(0x801, {1, 1, 1}));
  expect_error_mentions([&] { read_idx_images(wrong_magic); }, "IDX magic");
  std::vector<uint8_t> short_images = idx_header(0x803, {3, 2, 2});
  short_images.push_back(1);
  const std::string truncated = write_gzip("tinynas_short.gz", short_images);
  expect_error_mentions([&] { read_idx_images(truncated); }, "truncated");
  std::vector<uint8_t> bad_label = idx_header(0x801, {1});
  bad_label.push_back(12);
  const std::string labels = write_gzip("tinynas_label.gz", bad_label);
  expect_error_mentions([&] { read_idx_labels(labels, 10); }, "label 0");
  const std::string not_gzip = (fs::temp_directory_path() / "tinynas_plain.gz").string();
  std::ofstream(not_gzip) << "hello";
  expect_error_mentions([&] { read_idx_images(not_gzip); }, not_gzip);
  for (const auto& path : {wrong_magic, truncated, labels, not_gzip}) fs::remove(path);
}

TEST(FashionMnist, DebianPackageFilesLoadWhenInstalled) {
  if (!fs::exists(std::string(kFashionMnistDefaultDir) + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  }
  const ImageDataset test = load_fashion_mnist(kFashionMnistDefaultDir, FashionMnistPart::kTest);
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
