// Labelled images as a dataset file holds them: 8-bit pixels, channels x height x width per image
// (CHW), image after image, and one class label per image. What every dataset reader returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tinynas::datasets {

struct LabeledImages {
  std::string name;  // e.g. "fashion-mnist/t10k"
  int channels = 1;
  int height = 0;
  int width = 0;
  int num_classes = 0;          // every label is in [0, num_classes)
  std::vector<uint8_t> pixels;  // size() * image_bytes()
  std::vector<int> labels;

  std::size_t size() const { return labels.size(); }
  std::size_t image_bytes() const {
    return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) *
           static_cast<std::size_t>(width);
  }
  const uint8_t* image(std::size_t index) const { return pixels.data() + index * image_bytes(); }
};

// The images at `indices` of `images`, in that order (same name, shape and classes).
LabeledImages select_images(const LabeledImages& images, const std::vector<std::size_t>& indices);

}  // namespace tinynas::datasets
