// The "dataset" object of training and search jobs: which kind of files, where, how the
// images are split, decoded and augmented. Read with config::ObjectReader (every bad field is
// reported with its path); docs/search-job.md documents the keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/field_reader.h"
#include "datasets/cifar_binary.h"
#include "datasets/fashion_mnist.h"
#include "datasets/idx_dataset.h"
#include "datasets/image_folder.h"
#include "datasets/image_geometry.h"
#include "datasets/image_transform.h"

namespace tinynas::datasets {

// Kinds, as job files name them (and kFashionMnistKind: idx files of Fashion-MNIST).
inline constexpr const char* kIdxKind = "idx";
inline constexpr const char* kCifarBinaryKind = "cifar-binary";
inline constexpr const char* kImageFolderKind = "image-folder";
inline constexpr const char* kSyntheticKind = "synthetic";

struct DatasetConfig {
  std::string kind = kFashionMnistKind;
  std::string path;         // folder of the files (fashion-mnist: its Debian package's by default)
  int validation_size = 0;  // images held out of the training set (when the source has no
                            // validation part of its own)
  // Seed of the validation split; absent: the job's seed. A fixed one keeps the ranking set
  // (and the training images) the same across jobs of different seeds.
  std::optional<uint64_t> validation_seed;
  int train_size = 0;  // > 0: train on this many (seeded) images of the rest
  int synthetic_train_size = 0;
  int synthetic_test_size = 0;
  // Augmentation of training batches; evaluation uses the centre crop of `eval_crop`.
  bool horizontal_flip = false;
  std::optional<RandomResizedCrop> random_resized_crop;
  double eval_crop = 1.0;  // fraction of the shorter side kept by the centre crop
  // A task of some classes only (every kind but synthetic): their images, labels renumbered
  // 0..n-1 in this order; empty: every class.
  std::vector<int> classes;
  ImageTransform transform = ImageTransform::kNone;  // a domain shift of every image
  // idx
  std::optional<IdxFiles> idx_files;     // absent: MNIST's names in `path`
  std::vector<std::string> class_names;  // idx / cifar-binary: names for the labels
  bool transpose = false;                // idx: EMNIST stores images transposed
  // cifar-binary
  CifarLabel cifar_label = CifarLabel::kFine;
  // image-folder
  ImageFolderOptions folder;
};

// Reads the object at `dataset` (its path names it in errors). `base_dir` resolves a relative
// "path" (the job file's folder; "" leaves it as it is). Checks that the folder exists.
DatasetConfig read_dataset_config(const config::ObjectReader& dataset, const std::string& base_dir);

// The same for a JSON object alone; throws config::ConfigError listing every bad field.
DatasetConfig parse_dataset_config(const nlohmann::json& object, const std::string& origin,
                                   const std::string& base_dir = "");

// The folder the dataset is read from (fashion-mnist without "path": the Debian package's).
std::string dataset_folder(const DatasetConfig& config);

}  // namespace tinynas::datasets
