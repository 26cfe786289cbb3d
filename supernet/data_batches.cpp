#include "supernet/data_batches.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace tinynas::supernet {
namespace {
constexpr float kMaxPixel = 255.0f;
// Spreads the per-image seeds of one epoch apart from the next epoch's.
constexpr uint64_t kImageSeedStride = 0x9E3779B97F4A7C15ULL;

// The rng image `position` of the order draws from (null: no augmentation).
using RngForImage = std::function<std::mt19937_64*(size_t position)>;

Batch fill_batch(const ImageDataset& dataset, const std::vector<size_t>& order, size_t begin,
                 size_t end, const Augmentation& augmentation, bool augmented,
                 const RngForImage& rng_for) {
  const bool crop = augmentation.random_resized_crop.has_value() && augmented;
  const int height = crop ? augmentation.resolution : dataset.height;
  const int width = crop ? augmentation.resolution : dataset.width;
  const int64_t count = static_cast<int64_t>(end - begin);
  torch::Tensor images = torch::empty({count, dataset.channels, height, width}, torch::kFloat32);
  torch::Tensor labels = torch::empty({count}, torch::kInt64);
  float* dst = images.data_ptr<float>();
  int64_t* label_dst = labels.data_ptr<int64_t>();
  std::vector<float> scale(static_cast<size_t>(dataset.channels));
  std::vector<float> offset(scale.size());
  for (int c = 0; c < dataset.channels; ++c) {
    scale[static_cast<size_t>(c)] = 1.0f / (kMaxPixel * dataset.channel_std(c));
    offset[static_cast<size_t>(c)] = dataset.mean / dataset.channel_std(c);
  }
  const size_t image_size = static_cast<size_t>(dataset.channels) * height * width;
  std::vector<uint8_t> cropped(crop ? image_size : 0);
  std::bernoulli_distribution flip_coin(0.5);
  for (int64_t i = 0; i < count; ++i) {
    const size_t index = order[begin + static_cast<size_t>(i)];
    const uint8_t* src = dataset.image(index);
    std::mt19937_64* rng = augmented ? rng_for(begin + static_cast<size_t>(i)) : nullptr;
    if (crop) {
      const datasets::CropBox box = datasets::random_resized_crop_box(
          dataset.height, dataset.width, *augmentation.random_resized_crop, *rng);
      datasets::resize_box(src, dataset.channels, dataset.height, dataset.width, box,
                           cropped.data(), height, width);
      src = cropped.data();
    }
    const bool flip = augmentation.horizontal_flip && rng != nullptr && flip_coin(*rng);
    float* out = dst + i * static_cast<int64_t>(image_size);
    for (int c = 0; c < dataset.channels; ++c) {
      const float s = scale[static_cast<size_t>(c)];
      const float o = offset[static_cast<size_t>(c)];
      for (int y = 0; y < height; ++y) {
        const int row = c * height + y;
        for (int x = 0; x < width; ++x) {
          const int sx = flip ? width - 1 - x : x;
          out[row * width + x] = src[row * width + sx] * s - o;
        }
      }
    }
    label_dst[i] = dataset.labels[index];
  }
  return {images, labels};
}

}  // namespace

Batch make_batch(const ImageDataset& dataset, const std::vector<size_t>& order, size_t begin,
                 size_t end, const Augmentation& augmentation, std::mt19937_64* rng) {
  return fill_batch(dataset, order, begin, end, augmentation, rng != nullptr,
                    [rng](size_t) { return rng; });
}

Batch make_augmented_batch(const ImageDataset& dataset, const std::vector<size_t>& order,
                           size_t begin, size_t end, const Augmentation& augmentation,
                           uint64_t seed) {
  std::mt19937_64 rng;
  return fill_batch(dataset, order, begin, end, augmentation, true, [&rng, seed](size_t position) {
    rng.seed(seed * kImageSeedStride + position);
    return &rng;
  });
}

std::vector<size_t> sequential_order(size_t size) {
  std::vector<size_t> order(size);
  std::iota(order.begin(), order.end(), size_t{0});
  return order;
}

std::vector<size_t> shuffled_order(size_t size, uint64_t seed) {
  std::vector<size_t> order = sequential_order(size);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

}  // namespace tinynas::supernet
