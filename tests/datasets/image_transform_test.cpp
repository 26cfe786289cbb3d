// Domain shifts of every image: negatives and quarter turns, per channel.
#include "datasets/image_transform.h"

#include <gtest/gtest.h>

#include <vector>

namespace tinynas::datasets {
namespace {

// Two images of 2 channels x 2 rows x 3 columns; the second holds the first's values + 100.
LabeledImages two_by_three() {
  LabeledImages images;
  images.channels = 2;
  images.height = 2;
  images.width = 3;
  images.num_classes = 2;
  for (uint8_t offset : {0, 100}) {
    for (uint8_t v = 0; v < 12; ++v) images.pixels.push_back(static_cast<uint8_t>(v + offset));
  }
  images.labels = {0, 1};
  return images;
}

TEST(ImageTransform, InvertMirrorsEveryPixelAndTheMean) {
  const LabeledImages out = transform_images(two_by_three(), ImageTransform::kInvert);
  EXPECT_EQ(out.pixels[0], 255);
  EXPECT_EQ(out.pixels[13], 255 - 101);
  EXPECT_EQ(out.labels, (std::vector<int>{0, 1}));
  const Normalization n = transform_normalization({0.25f, {0.3f}}, ImageTransform::kInvert);
  EXPECT_FLOAT_EQ(n.mean, 0.75f);
  EXPECT_FLOAT_EQ(n.stds[0], 0.3f);
}

TEST(ImageTransform, QuarterTurnsSwapHeightAndWidth) {
  // Channel 0 of image 0:  0 1 2      rotate90 (clockwise):  3 0     rotate270:  2 5
  //                        3 4 5                             4 1                 1 4
  //                                                          5 2                 0 3
  const LabeledImages cw = transform_images(two_by_three(), ImageTransform::kRotate90);
  EXPECT_EQ(cw.height, 3);
  EXPECT_EQ(cw.width, 2);
  EXPECT_EQ(std::vector<uint8_t>(cw.pixels.begin(), cw.pixels.begin() + 6),
            (std::vector<uint8_t>{3, 0, 4, 1, 5, 2}));
  EXPECT_EQ(cw.pixels[6], 9);     // channel 1 turns the same way (6 7 8 / 9 10 11)
  EXPECT_EQ(cw.pixels[12], 103);  // and the second image
  const LabeledImages ccw = transform_images(two_by_three(), ImageTransform::kRotate270);
  EXPECT_EQ(std::vector<uint8_t>(ccw.pixels.begin(), ccw.pixels.begin() + 6),
            (std::vector<uint8_t>{2, 5, 1, 4, 0, 3}));
  const LabeledImages half = transform_images(two_by_three(), ImageTransform::kRotate180);
  EXPECT_EQ(half.height, 2);
  EXPECT_EQ(std::vector<uint8_t>(half.pixels.begin(), half.pixels.begin() + 6),
            (std::vector<uint8_t>{5, 4, 3, 2, 1, 0}));
  // Four quarter turns are no turn.
  LabeledImages round = two_by_three();
  for (int i = 0; i < 4; ++i) round = transform_images(round, ImageTransform::kRotate90);
  EXPECT_EQ(round.pixels, two_by_three().pixels);
}

TEST(ImageTransform, NamesRoundTrip) {
  for (const std::string& name : image_transform_names()) {
    ASSERT_TRUE(parse_image_transform(name)) << name;
    EXPECT_EQ(image_transform_name(*parse_image_transform(name)), name);
  }
  EXPECT_FALSE(parse_image_transform("rotate45"));
}

}  // namespace
}  // namespace tinynas::datasets
