// The normalisation a network's input gets, x_c = (pixel / 255 - mean) / std_c, from the training
// images. The mean is over all channels and the standard deviation per channel: a per-channel
// scale folds exactly into the first convolution of the int8 model, whose input is the raw
// pixels with one (per-tensor) zero point; a per-channel offset could not be represented at the
// zero-padded border (inside the image the first convolution's batch norm removes any constant
// per-channel offset anyway).
#pragma once

#include <vector>

#include "datasets/labeled_images.h"

namespace tinynas::datasets {

struct Normalization {
  float mean = 0.5f;        // of pixel / 255 over all channels
  std::vector<float> stds;  // per channel, of pixel / 255 around the channel's own mean
};

// Throws DatasetError when `images` is empty.
Normalization compute_normalization(const LabeledImages& images);

}  // namespace tinynas::datasets
