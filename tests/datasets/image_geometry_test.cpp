// Crop boxes and the bilinear resize: the centre crop of evaluation, and the random-resized crop
// of training, which is the same sequence of boxes under the same seed.
#include "datasets/image_geometry.h"

#include <gtest/gtest.h>

#include <vector>

namespace tinynas::datasets {
namespace {

TEST(ImageGeometry, CentreCropKeepsTheOutputsAspectRatio) {
  const CropBox whole = center_crop_box(32, 32, 16, 16, 1.0);
  EXPECT_EQ(whole.top, 0);
  EXPECT_EQ(whole.height, 32);
  const CropBox wide = center_crop_box(20, 40, 10, 10, 1.0);  // square out of a wide image
  EXPECT_EQ(wide.height, 20);
  EXPECT_EQ(wide.width, 20);
  EXPECT_EQ(wide.left, 10);
  const CropBox tight = center_crop_box(32, 32, 8, 8, 0.875);
  EXPECT_EQ(tight.height, 28);
  EXPECT_EQ(tight.top, 2);
}

TEST(ImageGeometry, ResizeOfAConstantImageIsConstantAndOfTheWholeImageAtItsSizeIsACopy) {
  std::vector<uint8_t> image(2 * 6 * 5);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<uint8_t>(i * 3);
  std::vector<uint8_t> same(image.size());
  resize_box(image.data(), 2, 6, 5, {0, 0, 6, 5}, same.data(), 6, 5);
  EXPECT_EQ(same, image);
  std::vector<uint8_t> flat(3 * 9 * 9, 200);
  std::vector<uint8_t> out(3 * 4 * 4);
  resize_box(flat.data(), 3, 9, 9, {1, 2, 5, 6}, out.data(), 4, 4);
  for (uint8_t p : out) EXPECT_EQ(p, 200);
}

TEST(ImageGeometry, RandomResizedCropIsDeterministicUnderASeedAndInsideTheImage) {
  const RandomResizedCrop crop;
  std::mt19937_64 a(7), b(7), c(8);
  bool any_different = false;
  for (int i = 0; i < 200; ++i) {
    const CropBox x = random_resized_crop_box(24, 40, crop, a);
    const CropBox y = random_resized_crop_box(24, 40, crop, b);
    const CropBox z = random_resized_crop_box(24, 40, crop, c);
    EXPECT_EQ(x.top, y.top);
    EXPECT_EQ(x.left, y.left);
    EXPECT_EQ(x.height, y.height);
    EXPECT_EQ(x.width, y.width);
    any_different |= x.top != z.top || x.left != z.left || x.height != z.height;
    EXPECT_GE(x.top, 0);
    EXPECT_GE(x.left, 0);
    EXPECT_GE(x.height, 1);
    EXPECT_LE(x.top + x.height, 24);
    EXPECT_LE(x.left + x.width, 40);
    const double area = static_cast<double>(x.height) * x.width / (24.0 * 40.0);
    EXPECT_LE(area, 1.0);
  }
  EXPECT_TRUE(any_different);
}

TEST(ImageGeometry, RandomResizedCropFallsBackToTheCentreWithinTheRatios) {
  RandomResizedCrop crop;
  crop.min_scale = crop.max_scale = 1.0;  // the whole area never fits a 1:1 box of a 1:10 image
  crop.min_ratio = crop.max_ratio = 1.0;
  std::mt19937_64 rng(1);
  const CropBox box = random_resized_crop_box(10, 100, crop, rng);
  EXPECT_EQ(box.width, 10);
  EXPECT_EQ(box.height, 10);
  EXPECT_EQ(box.left, 45);
}

}  // namespace
}  // namespace tinynas::datasets
