// scripts/fashion-mnist-to-png: the PNG class folders it writes read back, as an image folder,
// as exactly the images and labels of the IDX files they came from.
#include <gtest/gtest.h>

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

TEST(FashionMnistPngScript, WritesClassFoldersThatReadBackAsTheIdxImages) {
  testing::TempDir dir("fmnist_png");
  const int count = 12;
  for (const char* part : {"train", "t10k"}) {
    std::vector<uint8_t> images = testing::idx_header(0x803, {count, 4, 3});
    std::vector<uint8_t> labels = testing::idx_header(0x801, {count});
    for (int i = 0; i < count; ++i) {
      for (int p = 0; p < 12; ++p) images.push_back(static_cast<uint8_t>(i * 20 + p + part[1]));
      labels.push_back(static_cast<uint8_t>(i % 10));
    }
    testing::write_gzip((dir.path() / (std::string(part) + "-images-idx3-ubyte.gz")).string(),
                        images);
    testing::write_gzip((dir.path() / (std::string(part) + "-labels-idx1-ubyte.gz")).string(),
                        labels);
  }
  const std::string command = "python3 " + std::string(TINYNAS_SOURCE_DIR) +
                              "/scripts/fashion-mnist-to-png " + (dir.path() / "png").string() +
                              " --idx " + dir.str() + " > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

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

}  // namespace
}  // namespace tinynas::datasets
