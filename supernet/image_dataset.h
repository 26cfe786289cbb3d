// An in-memory labelled image dataset (8-bit pixels, CHW per image) and the operations every
// dataset source shares: train/validation split and resizing to a search space's resolution.
// No LibTorch: batches are made from it in supernet/data_batches.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset_error.h"

namespace tinynas::supernet {

// A missing, unreadable or corrupt dataset file; the message names the file and the problem.
using DatasetError = datasets::DatasetError;

struct ImageDataset {
  std::string name;
  int channels = 1;
  int height = 0;
  int width = 0;
  int num_classes = 0;
  // Per-channel normalisation applied when batches are made: x = (pixel / 255 - mean) / std.
  float mean = 0.5f;
  float std = 0.5f;
  std::vector<uint8_t> pixels;  // size() * channels * height * width, image after image
  std::vector<int> labels;      // [0, num_classes)

  size_t size() const { return labels.size(); }
  size_t image_bytes() const { return static_cast<size_t>(channels) * height * width; }
  const uint8_t* image(size_t index) const { return pixels.data() + index * image_bytes(); }
};

// The images at `indices`, in that order.
ImageDataset subset(const ImageDataset& dataset, const std::vector<size_t>& indices);

// A seeded random split: the validation part gets `validation_size` images, train the rest.
// Throws std::invalid_argument when validation_size is not in [0, dataset.size()).
struct DatasetSplit {
  ImageDataset train;
  ImageDataset validation;
};
DatasetSplit split_train_validation(const ImageDataset& dataset, size_t validation_size,
                                    uint64_t seed);

// Bilinear resize (pixel centres aligned, as torch's align_corners=false) to resolution x
// resolution; returns a copy when the size already matches.
ImageDataset resize_images(const ImageDataset& dataset, int resolution);

}  // namespace tinynas::supernet
