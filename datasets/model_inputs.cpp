#include "datasets/model_inputs.h"

#include <stdexcept>
#include <string>

#include "datasets/image_geometry.h"

namespace tinynas::datasets {
namespace {
constexpr int kPixelToInt8Offset = 128;
}  // namespace

ModelInputs model_inputs(const LabeledImages& images, int height, int width, int channels,
                         double crop_fraction, std::size_t count) {
  if (images.channels != channels) {
    throw std::invalid_argument(images.name + ": images have " + std::to_string(images.channels) +
                                " channel(s), the model's input " + std::to_string(channels));
  }
  ModelInputs inputs;
  const CropBox box = center_crop_box(images.height, images.width, height, width, crop_fraction);
  const std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  const std::size_t channel_count = static_cast<std::size_t>(channels);
  std::vector<uint8_t> chw(plane * channel_count);
  for (std::size_t i = 0; i < images.size() && i < count; ++i) {
    resize_box(images.image(i), channels, images.height, images.width, box, chw.data(), height,
               width);
    for (std::size_t p = 0; p < plane; ++p) {
      for (std::size_t c = 0; c < channel_count; ++c) {
        inputs.bytes.push_back(static_cast<int8_t>(chw[c * plane + p] - kPixelToInt8Offset));
      }
    }
    inputs.labels.push_back(images.labels[i]);
  }
  return inputs;
}

}  // namespace tinynas::datasets
