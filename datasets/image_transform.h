// A domain shift applied to every image of a dataset (the dataset object's "transform"): the
// same task under other pixels, e.g. a network pretrained on Fashion-MNIST learning the same
// garments photographed as negatives or turned on their side.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datasets/channel_statistics.h"
#include "datasets/labeled_images.h"

namespace tinynas::datasets {

enum class ImageTransform {
  kNone,
  kInvert,     // every pixel p -> 255 - p
  kRotate90,   // a quarter turn clockwise (height and width swap)
  kRotate180,  // a half turn
  kRotate270,  // a quarter turn counter-clockwise
};

// The names job files use, in the order of the enum ("none", "invert", "rotate90", ...).
const std::vector<std::string>& image_transform_names();
// nullopt for a name not in image_transform_names().
std::optional<ImageTransform> parse_image_transform(const std::string& name);
const std::string& image_transform_name(ImageTransform transform);

LabeledImages transform_images(const LabeledImages& images, ImageTransform transform);

// The normalisation of transformed images from that of the originals (inverting mirrors the
// mean; turning moves no pixel value).
Normalization transform_normalization(const Normalization& normalization, ImageTransform transform);

}  // namespace tinynas::datasets
