// scripts/fashion-mnist-to-png: the PNG class folders it writes read back, as an image folder,
// as exactly the images and labels of the IDX files they came from.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "datasets/idx_dataset.h"
#include "datasets/image_folder.h"
#include "tests/datasets/dataset_test_files.h"
#include "tests/datasets/idx_test_files.h"

namespace tinynas::datasets {
namespace {

// Each image with its label, in a comparable form.
std::multimap<std::vector<uint8_t>, int> labelled(const LabeledImages& images) {
  std::multimap<std::vector<uint8_t>, int> out;
  for (std::size_t i = 0; i < images.size(); ++i) {
    out.emplace(std::vector<uint8_t>(images.image(i), images.image(i) + images.image_bytes()),
                images.labels[i]);
  }
  return out;
}

// Small gzip IDX files of `count` 4x3 images a part: pixel p of image i of a part is
// 1 + (i * 20 + p + a part-specific offset) mod 255, and label i % 10.
void write_idx_files(const testing::TempDir& dir, uint32_t count) {
  for (const char* part : {"train", "t10k"}) {
    std::vector<uint8_t> images = testing::idx_header(0x803, {count, 4, 3});
    std::vector<uint8_t> labels = testing::idx_header(0x801, {count});
    for (uint32_t i = 0; i < count; ++i) {
      for (int p = 0; p < 12; ++p) {
        images.push_back(static_cast<uint8_t>(1 + (i * 20 + p + part[1]) % 255));
      }
      labels.push_back(static_cast<uint8_t>(i % 10));
    }
    testing::write_gzip((dir.path() / (std::string(part) + "-images-idx3-ubyte.gz")).string(),
                        images);
    testing::write_gzip((dir.path() / (std::string(part) + "-labels-idx1-ubyte.gz")).string(),
                        labels);
  }
}

void run_script(const testing::TempDir& dir, const std::string& arguments) {
  const std::string command = "python3 " + std::string(TINYNAS_SOURCE_DIR) +
                              "/scripts/fashion-mnist-to-png " + arguments + " --idx " + dir.str() +
                              " > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

LabeledImages all_images(const ImageFolderDataset& folder) {
  LabeledImages all = folder.train;
  for (const auto* part : {&folder.validation, &folder.test}) {
    if (!*part) continue;
    all.pixels.insert(all.pixels.end(), (*part)->pixels.begin(), (*part)->pixels.end());
    all.labels.insert(all.labels.end(), (*part)->labels.begin(), (*part)->labels.end());
  }
  return all;
}

TEST(FashionMnistPngScript, WritesClassFoldersThatReadBackAsTheIdxImages) {
  testing::TempDir dir("fmnist_png");
  write_idx_files(dir, 12);
  run_script(dir, (dir.path() / "png").string());

  ImageFolderOptions options;
  options.cache_file = false;
  const ImageFolderDataset folder = load_image_folder((dir.path() / "png").string(), options);
  ASSERT_EQ(folder.class_names.size(), 10u);
  EXPECT_EQ(folder.class_names[0], "0-T-shirt_top");
  EXPECT_EQ(folder.class_names[9], "9-Ankle boot");
  const IdxDataset idx = read_idx_dataset(mnist_file_names(dir.str()), 10);
  ASSERT_TRUE(folder.test);
  EXPECT_EQ(labelled(folder.train), labelled(idx.train));
  EXPECT_EQ(labelled(*folder.test), labelled(idx.test));
  EXPECT_EQ(folder.train.height, 4);
  EXPECT_EQ(folder.train.width, 3);
}

// --rgb: colour 32x32 images in unsplit class folders, the garment on a plain background of
// another colour; --per-class caps each class; the same seed writes the same images.
TEST(FashionMnistPngScript, RgbWritesColourGarmentsOnAPlainBackground) {
  testing::TempDir dir("fmnist_rgb");
  write_idx_files(dir, 35);
  // 70 images, labels i % 10: classes 0-4 have 8 images, the others 6; the cap keeps 6 each.
  run_script(dir, "--rgb --per-class 6 " + (dir.path() / "rgb").string());
  run_script(dir, "--rgb --per-class 6 " + (dir.path() / "again").string());

  ImageFolderOptions options;
  options.cache_file = false;
  const ImageFolderDataset folder = load_image_folder((dir.path() / "rgb").string(), options);
  ASSERT_EQ(folder.class_names.size(), 10u);
  EXPECT_EQ(folder.class_names[1], "1-Trouser");
  const LabeledImages images = all_images(folder);
  EXPECT_EQ(images.channels, 3);
  EXPECT_EQ(images.height, 32);
  EXPECT_EQ(images.width, 32);
  ASSERT_EQ(images.size(), 60u);
  for (int label = 0; label < 10; ++label) {
    EXPECT_EQ(std::count(images.labels.begin(), images.labels.end(), label), 6) << label;
  }
  for (std::size_t i = 0; i < images.size(); ++i) {
    const uint8_t* image = images.image(i);
    auto pixel = [&](int y, int x) {  // CHW
      return std::vector<uint8_t>{image[y * 32 + x], image[1024 + y * 32 + x],
                                  image[2048 + y * 32 + x]};
    };
    // The 4x3 garment sits in the middle (rows 14-17, columns 14-16); everything else is the
    // background.
    EXPECT_EQ(pixel(0, 0), pixel(31, 31)) << i;
    EXPECT_EQ(pixel(0, 0), pixel(13, 15)) << i;
    EXPECT_EQ(pixel(0, 0), pixel(15, 13)) << i;
  }
  const ImageFolderDataset again = load_image_folder((dir.path() / "again").string(), options);
  EXPECT_EQ(labelled(all_images(again)), labelled(images));
}

TEST(FashionMnistPngScript, PerClassNeedsRgbAndAPositiveCount) {
  testing::TempDir dir("fmnist_rgb_args");
  for (const std::string arguments : {"--per-class 2 out", "--rgb --per-class 0 out"}) {
    const std::string command = "python3 " + std::string(TINYNAS_SOURCE_DIR) +
                                "/scripts/fashion-mnist-to-png " + arguments + " --idx " +
                                dir.str() + " 2> /dev/null";
    EXPECT_NE(std::system(command.c_str()), 0) << command;
  }
}

}  // namespace
}  // namespace tinynas::datasets
