#include "datasets/image_transform.h"

#include <cstddef>

namespace tinynas::datasets {
namespace {

constexpr int kMaxPixel = 255;

// Source pixel of output (y, x) for an output of out_h x out_w, input in_h x in_w.
size_t source_index(ImageTransform transform, size_t y, size_t x, size_t in_h, size_t in_w) {
  switch (transform) {
    case ImageTransform::kRotate90:  // out(y, x) = in(in_h - 1 - x, y)
      return (in_h - 1 - x) * in_w + y;
    case ImageTransform::kRotate180:
      return (in_h - 1 - y) * in_w + (in_w - 1 - x);
    case ImageTransform::kRotate270:  // out(y, x) = in(x, in_w - 1 - y)
      return x * in_w + (in_w - 1 - y);
    default:
      return y * in_w + x;
  }
}

}  // namespace

const std::vector<std::string>& image_transform_names() {
  static const std::vector<std::string> names = {"none", "invert", "rotate90", "rotate180",
                                                 "rotate270"};
  return names;
}

std::optional<ImageTransform> parse_image_transform(const std::string& name) {
  const std::vector<std::string>& names = image_transform_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<ImageTransform>(i);
  }
  return std::nullopt;
}

const std::string& image_transform_name(ImageTransform transform) {
  return image_transform_names().at(static_cast<size_t>(transform));
}

LabeledImages transform_images(const LabeledImages& images, ImageTransform transform) {
  LabeledImages out = images;
  if (transform == ImageTransform::kNone) return out;
  if (transform == ImageTransform::kInvert) {
    for (uint8_t& pixel : out.pixels) pixel = static_cast<uint8_t>(kMaxPixel - pixel);
    return out;
  }
  const bool quarter = transform != ImageTransform::kRotate180;
  if (quarter) std::swap(out.height, out.width);
  const size_t in_h = static_cast<size_t>(images.height);
  const size_t in_w = static_cast<size_t>(images.width);
  const size_t out_h = static_cast<size_t>(out.height);
  const size_t out_w = static_cast<size_t>(out.width);
  const size_t plane = in_h * in_w;
  for (size_t i = 0; i < images.size(); ++i) {
    const uint8_t* source = images.image(i);
    uint8_t* target = out.pixels.data() + i * out.image_bytes();
    for (size_t c = 0; c < static_cast<size_t>(images.channels); ++c) {
      for (size_t y = 0; y < out_h; ++y) {
        for (size_t x = 0; x < out_w; ++x) {
          target[c * plane + y * out_w + x] =
              source[c * plane + source_index(transform, y, x, in_h, in_w)];
        }
      }
    }
  }
  return out;
}

Normalization transform_normalization(const Normalization& normalization,
                                      ImageTransform transform) {
  Normalization out = normalization;
  if (transform == ImageTransform::kInvert) out.mean = 1.0f - normalization.mean;
  return out;
}

}  // namespace tinynas::datasets
