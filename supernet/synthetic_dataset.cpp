#include "supernet/synthetic_dataset.h"

#include <algorithm>
#include <random>

namespace tinynas::supernet {
namespace {
constexpr int kBackgroundMax = 60;   // background noise in [0, kBackgroundMax]
constexpr int kForegroundMin = 180;  // square pixels in [kForegroundMin, 255]
constexpr int kPixelMax = 255;
constexpr int kSquareFraction = 4;  // square side = resolution / kSquareFraction
}  // namespace

ImageDataset make_synthetic_dataset(int count, int channels, int resolution, int num_classes,
                                    uint64_t seed) {
  if (count <= 0 || channels <= 0 || resolution < kSquareFraction || num_classes <= 0) {
    throw std::invalid_argument(
        "synthetic dataset: count, channels, num_classes must be "
        "positive and resolution at least " +
        std::to_string(kSquareFraction));
  }
  ImageDataset dataset;
  dataset.name = "synthetic";
  dataset.channels = channels;
  dataset.height = resolution;
  dataset.width = resolution;
  dataset.num_classes = num_classes;
  dataset.pixels.resize(static_cast<size_t>(count) * dataset.image_bytes());
  dataset.labels.resize(static_cast<size_t>(count));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> background(0, kBackgroundMax);
  std::uniform_int_distribution<int> foreground(kForegroundMin, kPixelMax);
  const int side = resolution / kSquareFraction;
  const int cells = resolution - side + 1;
  for (int n = 0; n < count; ++n) {
    const int label = n % num_classes;
    dataset.labels[static_cast<size_t>(n)] = label;
    // Class positions spread over the image along a diagonal-ish path.
    const int top = (label * 7) % cells;
    const int left = (label * 3 + label / 2) % cells;
    uint8_t* image = dataset.pixels.data() + static_cast<size_t>(n) * dataset.image_bytes();
    for (int c = 0; c < channels; ++c) {
      for (int y = 0; y < resolution; ++y) {
        for (int x = 0; x < resolution; ++x) {
          const bool inside = y >= top && y < top + side && x >= left && x < left + side;
          image[(c * resolution + y) * resolution + x] =
              static_cast<uint8_t>(inside ? foreground(rng) : background(rng));
        }
      }
    }
  }
  return dataset;
}

}  // namespace tinynas::supernet
