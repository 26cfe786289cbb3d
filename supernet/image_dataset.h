// An in-memory labelled image dataset (8-bit pixels, CHW per image) with the normalisation its
// batches get, and the operations every dataset source shares: train/validation split and
// resizing (centre crop) to a search space's resolution. No LibTorch: batches are made from it
// in supernet/data_batches.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "datasets/channel_statistics.h"
#include "datasets/dataset_error.h"
#include "datasets/image_geometry.h"
#include "datasets/labeled_images.h"

namespace tinynas::supernet {

// A missing, unreadable or corrupt dataset file; the message names the file and the problem.
using DatasetError = datasets::DatasetError;

struct ImageDataset : datasets::LabeledImages {
  // Applied when batches are made: x_c = (pixel / 255 - mean) / std_c (datasets/
  // channel_statistics.h says why the mean is shared by the channels).
  float mean = 0.5f;
  std::vector<float> stds;  // per channel; empty: 0.5 each

  float channel_std(int channel) const;
  // The standard deviation the int8 model's (per-tensor) input quantization uses: the mean of
  // the channels' (the one channel's, for grey images). Each channel's own is folded into the
  // first convolution's weights.
  float input_std() const;
  void set_normalization(const datasets::Normalization& normalization);
};

ImageDataset to_image_dataset(datasets::LabeledImages images);

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

// Every image's centre crop (`crop_fraction` of the shorter side, datasets::center_crop_box)
// resized bilinearly to resolution x resolution; a copy when the images are square at that
// size already and the fraction is 1.
ImageDataset resize_images(const ImageDataset& dataset, int resolution, double crop_fraction = 1.0);

// How training batches are augmented: a random-resized crop (from the images at their stored
// size, to `resolution`) and a horizontal flip with probability 1/2.
struct Augmentation {
  bool horizontal_flip = false;
  std::optional<datasets::RandomResizedCrop> random_resized_crop;
  int resolution = 0;  // of the crops
};

}  // namespace tinynas::supernet
