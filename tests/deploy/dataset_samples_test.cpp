// The images `export --verify` sends from a search job's dataset.
#include "deploy/dataset_samples.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/datasets/dataset_test_files.h"

namespace tinynas::deploy {
namespace {

namespace fs = std::filesystem;

runtime::TensorInfo gray_input(int side) {
  runtime::TensorInfo input;
  input.shape.h = side;
  input.shape.w = side;
  input.shape.c = 1;
  return input;
}

// A folder dataset lists its test images class by class: the first images would all be of the
// first class, and the verified accuracy would not estimate the test accuracy.
TEST(DatasetSamples, ASampleOfAClassOrderedSplitGivesEveryClassItsShare) {
  const fs::path dir = fs::temp_directory_path() / "tinynas_dataset_samples";
  fs::remove_all(dir);
  datasets::testing::write_class_folders(dir / "train", {"a", "b", "c", "d"}, 2, 1, 8);
  datasets::testing::write_class_folders(dir / "test", {"a", "b", "c", "d"}, 5, 1, 8);
  const nlohmann::json dataset = {{"kind", "image-folder"}, {"path", dir.string()}};

  const DatasetSamples some = dataset_samples(dataset, gray_input(8), 8);
  ASSERT_EQ(some.inputs.size(), 8u);
  EXPECT_EQ(some.labels, (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_NE(some.description.find("spread evenly over its 20 images"), std::string::npos)
      << some.description;
  EXPECT_EQ(some.inputs[0].size(), 64u);

  const DatasetSamples all = dataset_samples(dataset, gray_input(8), 100);
  EXPECT_EQ(all.inputs.size(), 20u);
  EXPECT_EQ(all.description.find("spread"), std::string::npos) << all.description;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinynas::deploy
