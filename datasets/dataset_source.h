// Reading a job's dataset (every kind but "synthetic", which the supernet makes for its space)
// into labelled images: the training part, a validation part when the source has its own, the
// test part, the class names and what was skipped. Datasets read once stay in memory for the
// rest of the process (a search reads its dataset in several steps).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datasets/channel_statistics.h"
#include "datasets/dataset_config.h"
#include "datasets/image_folder.h"
#include "datasets/labeled_images.h"

namespace tinynas::datasets {

struct DatasetParts {
  std::string description;  // what was read, for the log
  std::vector<std::string> class_names;
  LabeledImages train;
  std::optional<LabeledImages> validation;  // the source's own (image folders)
  LabeledImages test;
  std::vector<SkippedFile> skipped;  // image-folder with skip_unreadable
  // Published statistics that replace the computed ones (Fashion-MNIST's, which its results
  // were trained with).
  std::optional<Normalization> fixed_normalization;

  int channels() const { return train.channels; }
  int num_classes() const { return static_cast<int>(class_names.size()); }
};

// Throws DatasetError naming the file or folder, std::invalid_argument for kind "synthetic".
std::shared_ptr<const DatasetParts> load_dataset(const DatasetConfig& config);

// Drops the datasets kept in memory (tests that rewrite files in place).
void forget_loaded_datasets();

}  // namespace tinynas::datasets
