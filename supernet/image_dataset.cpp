#include "supernet/image_dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace tinynas::supernet {
namespace {
constexpr float kMaxPixel = 255.0f;
}

ImageDataset subset(const ImageDataset& dataset, const std::vector<size_t>& indices) {
  ImageDataset result = dataset;
  result.pixels.clear();
  result.labels.clear();
  result.pixels.reserve(indices.size() * dataset.image_bytes());
  result.labels.reserve(indices.size());
  for (size_t index : indices) {
    if (index >= dataset.size()) {
      throw std::out_of_range(dataset.name + ": image index " + std::to_string(index) +
                              " out of range [0, " + std::to_string(dataset.size()) + ")");
    }
    result.pixels.insert(result.pixels.end(), dataset.image(index),
                         dataset.image(index) + dataset.image_bytes());
    result.labels.push_back(dataset.labels[index]);
  }
  return result;
}

DatasetSplit split_train_validation(const ImageDataset& dataset, size_t validation_size,
                                    uint64_t seed) {
  if (validation_size >= dataset.size()) {
    throw std::invalid_argument(dataset.name + ": validation size " +
                                std::to_string(validation_size) + " must be below the " +
                                std::to_string(dataset.size()) + " images of the dataset");
  }
  std::vector<size_t> order(dataset.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const std::vector<size_t> validation(order.begin(),
                                       order.begin() + static_cast<ptrdiff_t>(validation_size));
  std::vector<size_t> train(order.begin() + static_cast<ptrdiff_t>(validation_size), order.end());
  std::sort(train.begin(), train.end());
  DatasetSplit split{subset(dataset, train), subset(dataset, validation)};
  split.train.name = dataset.name + "/train";
  split.validation.name = dataset.name + "/validation";
  return split;
}

ImageDataset resize_images(const ImageDataset& dataset, int resolution) {
  if (resolution <= 0) {
    throw std::invalid_argument("resize: resolution must be positive, found " +
                                std::to_string(resolution));
  }
  if (dataset.height == resolution && dataset.width == resolution) return dataset;
  ImageDataset result = dataset;
  result.height = resolution;
  result.width = resolution;
  result.pixels.assign(dataset.size() * result.image_bytes(), 0);
  const float scale_y = static_cast<float>(dataset.height) / resolution;
  const float scale_x = static_cast<float>(dataset.width) / resolution;
  for (size_t n = 0; n < dataset.size(); ++n) {
    for (int c = 0; c < dataset.channels; ++c) {
      const uint8_t* src =
          dataset.image(n) + static_cast<size_t>(c) * dataset.height * dataset.width;
      uint8_t* dst = result.pixels.data() + n * result.image_bytes() +
                     static_cast<size_t>(c) * resolution * resolution;
      for (int y = 0; y < resolution; ++y) {
        const float sy = std::max(0.0f, (y + 0.5f) * scale_y - 0.5f);
        const int y0 = std::min(static_cast<int>(sy), dataset.height - 1);
        const int y1 = std::min(y0 + 1, dataset.height - 1);
        const float fy = sy - y0;
        for (int x = 0; x < resolution; ++x) {
          const float sx = std::max(0.0f, (x + 0.5f) * scale_x - 0.5f);
          const int x0 = std::min(static_cast<int>(sx), dataset.width - 1);
          const int x1 = std::min(x0 + 1, dataset.width - 1);
          const float fx = sx - x0;
          const float top =
              src[y0 * dataset.width + x0] * (1 - fx) + src[y0 * dataset.width + x1] * fx;
          const float bottom =
              src[y1 * dataset.width + x0] * (1 - fx) + src[y1 * dataset.width + x1] * fx;
          const float value = top * (1 - fy) + bottom * fy;
          dst[y * resolution + x] =
              static_cast<uint8_t>(std::clamp(std::round(value), 0.0f, kMaxPixel));
        }
      }
    }
  }
  return result;
}

}  // namespace tinynas::supernet
