#include "datasets/fashion_mnist.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

namespace fs = std::filesystem;

TEST(FashionMnist, ReadsTheFirstTestImagesWhenInstalled) {
  const std::string dir = kFashionMnistDefaultDir;
  if (!fs::exists(fashion_mnist_images_file(dir, FashionMnistPart::kTest))) {
    GTEST_SKIP() << "no Fashion-MNIST at " << dir;
  }
  const LabeledImages images = read_fashion_mnist(dir, FashionMnistPart::kTest, 5);
  EXPECT_EQ(images.name, "fashion-mnist/t10k");
  EXPECT_EQ(images.size(), 5u);
  EXPECT_EQ(images.height, kFashionMnistSide);
  EXPECT_EQ(images.width, kFashionMnistSide);
  EXPECT_EQ(images.num_classes, kFashionMnistClasses);
  ASSERT_EQ(images.labels.size(), 5u);
  for (uint8_t label : images.labels) EXPECT_LT(label, kFashionMnistClasses);
  EXPECT_EQ(images.labels[0], 9);  // the first test image is an ankle boot
}

TEST(FashionMnist, MissingFileIsNamedWithHowToInstallIt) {
  try {
    read_fashion_mnist("/nonexistent-dir", FashionMnistPart::kTest, 1);
    FAIL() << "expected an error";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/t10k-images"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinynas::datasets
