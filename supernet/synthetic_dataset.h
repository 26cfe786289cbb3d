// A tiny learnable dataset for fast tests: class c is a bright square at a class-specific
// position on a noisy background, so a small network separates the classes in a few steps.
#pragma once

#include <cstdint>

#include "supernet/image_dataset.h"

namespace tinynas::supernet {

ImageDataset make_synthetic_dataset(int count, int channels, int resolution, int num_classes,
                                    uint64_t seed);

}  // namespace tinynas::supernet
