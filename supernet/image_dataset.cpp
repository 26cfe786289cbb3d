#include "supernet/image_dataset.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace tinynas::supernet {
namespace {
constexpr float kDefaultStd = 0.5f;
}

float ImageDataset::channel_std(int channel) const {
  return stds.empty() ? kDefaultStd : stds.at(static_cast<size_t>(channel));
}

float ImageDataset::input_std() const {
  if (stds.empty()) return kDefaultStd;
  if (stds.size() == 1) return stds.front();
  return std::accumulate(stds.begin(), stds.end(), 0.0f) / static_cast<float>(stds.size());
}

void ImageDataset::set_normalization(const datasets::Normalization& normalization) {
  mean = normalization.mean;
  stds = normalization.stds;
}

ImageDataset to_image_dataset(datasets::LabeledImages images) {
  ImageDataset dataset;
  static_cast<datasets::LabeledImages&>(dataset) = std::move(images);
  return dataset;
}

ImageDataset subset(const ImageDataset& dataset, const std::vector<size_t>& indices) {
  ImageDataset result = dataset;
  static_cast<datasets::LabeledImages&>(result) = datasets::select_images(dataset, indices);
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

ImageDataset resize_images(const ImageDataset& dataset, int resolution, double crop_fraction) {
  if (resolution <= 0) {
    throw std::invalid_argument("resize: resolution must be positive, found " +
                                std::to_string(resolution));
  }
  if (dataset.height == resolution && dataset.width == resolution && crop_fraction >= 1.0) {
    return dataset;
  }
  ImageDataset result = dataset;
  result.height = resolution;
  result.width = resolution;
  result.pixels.assign(dataset.size() * result.image_bytes(), 0);
  const datasets::CropBox box = datasets::center_crop_box(dataset.height, dataset.width, resolution,
                                                          resolution, crop_fraction);
  for (size_t n = 0; n < dataset.size(); ++n) {
    datasets::resize_box(dataset.image(n), dataset.channels, dataset.height, dataset.width, box,
                         result.pixels.data() + n * result.image_bytes(), resolution, resolution);
  }
  return result;
}

}  // namespace tinynas::supernet
