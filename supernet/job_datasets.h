// The train / validation / test images of a training job, resized to its space's resolution.
#pragma once

#include "supernet/image_dataset.h"
#include "supernet/training_job.h"

namespace tinynas::supernet {

struct JobDatasets {
  ImageDataset train;
  ImageDataset validation;
  ImageDataset test;
};

// Throws DatasetError when files are missing or corrupt, std::invalid_argument when the
// dataset does not fit the space (channels, classes).
JobDatasets load_job_datasets(const DatasetConfig& config, const space::SearchSpace& space,
                              uint64_t seed);

}  // namespace tinynas::supernet
