#include "datasets/labeled_images.h"

#include <stdexcept>

namespace tinynas::datasets {

LabeledImages select_images(const LabeledImages& images, const std::vector<std::size_t>& indices) {
  LabeledImages out = images;
  out.pixels.clear();
  out.labels.clear();
  out.pixels.reserve(indices.size() * images.image_bytes());
  out.labels.reserve(indices.size());
  for (std::size_t index : indices) {
    if (index >= images.size()) {
      throw std::out_of_range(images.name + ": image index " + std::to_string(index) +
                              " out of range [0, " + std::to_string(images.size()) + ")");
    }
    out.pixels.insert(out.pixels.end(), images.image(index),
                      images.image(index) + images.image_bytes());
    out.labels.push_back(images.labels[index]);
  }
  return out;
}

}  // namespace tinynas::datasets
