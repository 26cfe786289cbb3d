#include "supernet/data_batches.h"

#include <algorithm>
#include <numeric>

namespace tinynas::supernet {
namespace {
constexpr float kMaxPixel = 255.0f;
}

Batch make_batch(const ImageDataset& dataset, const std::vector<size_t>& order, size_t begin,
                 size_t end, const Augmentation& augmentation, std::mt19937_64* rng) {
  const int64_t count = static_cast<int64_t>(end - begin);
  torch::Tensor images =
      torch::empty({count, dataset.channels, dataset.height, dataset.width}, torch::kFloat32);
  torch::Tensor labels = torch::empty({count}, torch::kInt64);
  float* dst = images.data_ptr<float>();
  int64_t* label_dst = labels.data_ptr<int64_t>();
  const float scale = 1.0f / (kMaxPixel * dataset.std);
  const float offset = dataset.mean / dataset.std;
  std::bernoulli_distribution flip_coin(0.5);
  for (int64_t i = 0; i < count; ++i) {
    const size_t index = order[begin + static_cast<size_t>(i)];
    const uint8_t* src = dataset.image(index);
    const bool flip = augmentation.horizontal_flip && rng != nullptr && flip_coin(*rng);
    float* out = dst + i * static_cast<int64_t>(dataset.image_bytes());
    for (int row = 0; row < dataset.channels * dataset.height; ++row) {
      for (int x = 0; x < dataset.width; ++x) {
        const int sx = flip ? dataset.width - 1 - x : x;
        out[row * dataset.width + x] = src[row * dataset.width + sx] * scale - offset;
      }
    }
    label_dst[i] = dataset.labels[index];
  }
  return {images, labels};
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
