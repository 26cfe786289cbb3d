// A task of some classes: only their images, relabelled in the order the list gives them.
#include "datasets/class_subset.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

LabeledImages one_pixel_images(const std::vector<int>& labels, int classes) {
  LabeledImages images;
  images.name = "toy";
  images.height = images.width = 1;
  images.num_classes = classes;
  for (size_t i = 0; i < labels.size(); ++i) images.pixels.push_back(static_cast<uint8_t>(i));
  images.labels = labels;
  return images;
}

TEST(ClassSubset, KeepsTheListedClassesRelabelledInListOrder) {
  const LabeledImages images = one_pixel_images({0, 7, 5, 9, 5, 2}, 10);
  const LabeledImages subset = keep_classes(images, {9, 5}, "dataset.classes");
  EXPECT_EQ(subset.num_classes, 2);
  EXPECT_EQ(subset.labels, (std::vector<int>{1, 0, 1}));      // 5 -> 1, 9 -> 0, 5 -> 1
  EXPECT_EQ(subset.pixels, (std::vector<uint8_t>{2, 3, 4}));  // images 2, 3, 4, in order
  EXPECT_EQ(subset_names({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, {9, 5}),
            (std::vector<std::string>{"j", "f"}));
}

TEST(ClassSubset, AClassThatIsNoLabelIsNamedWithTheField) {
  const LabeledImages images = one_pixel_images({0, 1, 2}, 3);
  try {
    keep_classes(images, {1, 3}, "dataset.classes");
    FAIL() << "expected a DatasetError";
  } catch (const DatasetError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("dataset.classes[1]"), std::string::npos) << message;
    EXPECT_NE(message.find("labels 0..2"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tinynas::datasets
