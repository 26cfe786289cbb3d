// Labelled images as inputs of an int8 model: each image centre-cropped and resized to the
// model's input, as the supernet evaluates it, laid out NHWC with q = pixel - 128 (the supernet's
// input quantization: scale 1 / (255 std), zero point round(255 mean) - 128;
// supernet/int8_lowering.cpp), so the model takes camera bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

struct ModelInputs {
  std::vector<int8_t> bytes;  // input after input, height x width x channels each
  std::vector<int> labels;
  std::size_t size() const { return labels.size(); }
};

// The first `count` images (fewer when there are fewer). Throws std::invalid_argument naming
// `images.name` when its channels are not `channels`.
ModelInputs model_inputs(const LabeledImages& images, int height, int width, int channels,
                         double crop_fraction, std::size_t count);

}  // namespace tinynas::datasets
