// The train / validation / test images of a training job at its space's resolution, normalised
// with the training split's statistics, and how training batches are augmented.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datasets/dataset_config.h"
#include "datasets/image_folder.h"
#include "space/search_space.h"
#include "supernet/image_dataset.h"

namespace tinynas::supernet {

struct JobDatasets {
  ImageDataset train;  // centre-cropped to the resolution: BN recalibration, int8 calibration
  ImageDataset validation;
  ImageDataset test;
  // The training images at their stored size, which random-resized crops are taken from (only
  // with dataset.random_resized_crop).
  std::optional<ImageDataset> train_full_size;
  Augmentation augmentation;
  std::vector<std::string> class_names;
  std::vector<datasets::SkippedFile> skipped;
  std::string description;

  const ImageDataset& training_source() const { return train_full_size ? *train_full_size : train; }
};

// Throws DatasetError when files are missing or corrupt, std::invalid_argument when the split
// does not fit the data or the dataset does not fit the space (channels, classes: see
// space_for_dataset).
JobDatasets load_job_datasets(const datasets::DatasetConfig& config,
                              const space::SearchSpace& space, uint64_t seed);

// The space with the dataset's input channels and class count (the supernet's first conv takes
// the dataset's channels, its classifier has one output per class). Synthetic data is made for
// the space, so the space is returned as it is.
space::SearchSpace space_for_dataset(const space::SearchSpace& space,
                                     const datasets::DatasetConfig& config);

}  // namespace tinynas::supernet
