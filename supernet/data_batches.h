// Turning an ImageDataset into normalised float batches. LibTorch header.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <random>
#include <vector>

#include "supernet/image_dataset.h"

namespace tinynas::supernet {

struct Batch {
  torch::Tensor images;  // [N, C, H, W] float, normalised with the dataset's mean and stds
  torch::Tensor labels;  // [N] int64
};

// Images order[begin, end) of `dataset`. With a random-resized crop in `augmentation` (and an
// rng) each image is a crop of the stored image resized to augmentation.resolution; otherwise
// the images are used at their stored size. The rng draws the crop, then the flip, per image.
Batch make_batch(const ImageDataset& dataset, const std::vector<size_t>& order, size_t begin,
                 size_t end, const Augmentation& augmentation = {}, std::mt19937_64* rng = nullptr);
// The same with the image at position p of `order` drawing its crop and flip from an rng seeded
// with `seed` and p alone: a slice of an epoch's batch gets the crops it gets in the whole batch,
// so the ranks of a data-parallel run together see the batch one process would.
Batch make_augmented_batch(const ImageDataset& dataset, const std::vector<size_t>& order,
                           size_t begin, size_t end, const Augmentation& augmentation,
                           uint64_t seed);
// A shuffled order of all images (seeded, so a resumed run sees the same epochs).
std::vector<size_t> shuffled_order(size_t size, uint64_t seed);
std::vector<size_t> sequential_order(size_t size);

}  // namespace tinynas::supernet
