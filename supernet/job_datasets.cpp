#include "supernet/job_datasets.h"

#include "datasets/dataset_source.h"
#include "supernet/synthetic_dataset.h"

namespace tinynas::supernet {
namespace {
// The synthetic test split uses a different seed stream than train.
constexpr uint64_t kSyntheticTestSeedOffset = 0x9E3779B97F4A7C15ull;

std::vector<std::string> numbered_names(int classes) {
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

}  // namespace

space::SearchSpace space_for_dataset(const space::SearchSpace& space,
                                     const datasets::DatasetConfig& config) {
  if (config.kind == datasets::kSyntheticKind) return space;
  const auto parts = datasets::load_dataset(config);
  space::SearchSpace adapted = space;
  adapted.input_channels = parts->channels();
  adapted.num_classes = parts->num_classes();
  return adapted;
}

JobDatasets load_job_datasets(const datasets::DatasetConfig& config,
                              const space::SearchSpace& space, uint64_t seed) {
  JobDatasets out;
  ImageDataset train_all, test;
  std::optional<ImageDataset> own_validation;
  std::optional<datasets::Normalization> fixed_normalization;
  if (config.kind == datasets::kSyntheticKind) {
    train_all = make_synthetic_dataset(config.synthetic_train_size, space.input_channels,
                                       space.resolution, space.num_classes, seed);
    test =
        make_synthetic_dataset(config.synthetic_test_size, space.input_channels, space.resolution,
                               space.num_classes, seed + kSyntheticTestSeedOffset);
    out.class_names = numbered_names(space.num_classes);
    out.description = "synthetic squares";
  } else {
    const auto parts = datasets::load_dataset(config);
    train_all = to_image_dataset(parts->train);
    test = to_image_dataset(parts->test);
    if (parts->validation) own_validation = to_image_dataset(*parts->validation);
    fixed_normalization = parts->fixed_normalization;
    out.class_names = parts->class_names;
    out.skipped = parts->skipped;
    out.description = parts->description;
  }
  if (train_all.channels != space.input_channels || train_all.num_classes != space.num_classes) {
    throw std::invalid_argument("dataset " + train_all.name + " has " +
                                std::to_string(train_all.channels) + " channels and " +
                                std::to_string(train_all.num_classes) + " classes; space '" +
                                space.name + "' expects " + std::to_string(space.input_channels) +
                                " and " + std::to_string(space.num_classes));
  }
  DatasetSplit split;
  if (own_validation) {
    if (config.validation_size > 0) {
      throw std::invalid_argument(
          "dataset.validation_size: " + config.path +
          " has a validation part of its own (a val/ folder or split.validation): drop "
          "validation_size");
    }
    split = {train_all, *own_validation};
  } else {
    split = split_train_validation(train_all, static_cast<size_t>(config.validation_size),
                                   config.validation_seed.value_or(seed));
  }
  if (config.train_size > 0) {
    if (static_cast<size_t>(config.train_size) > split.train.size()) {
      throw std::invalid_argument("dataset.train_size " + std::to_string(config.train_size) +
                                  " exceeds the " + std::to_string(split.train.size()) +
                                  " training images left after the validation split");
    }
    // A seeded random subset: split off (and drop) the images beyond train_size.
    const std::string name = split.train.name;
    split.train =
        split_train_validation(split.train,
                               split.train.size() - static_cast<size_t>(config.train_size), seed)
            .train;
    split.train.name = name;
  }
  // Synthetic images keep the default normalisation; every other source gets its published
  // statistics or those of the training split.
  if (config.kind != datasets::kSyntheticKind) {
    const datasets::Normalization normalization =
        fixed_normalization ? *fixed_normalization : datasets::compute_normalization(split.train);
    for (ImageDataset* part : {&split.train, &split.validation, &test}) {
      part->set_normalization(normalization);
    }
  }
  out.augmentation.horizontal_flip = config.horizontal_flip;
  out.augmentation.random_resized_crop = config.random_resized_crop;
  out.augmentation.resolution = space.resolution;
  if (config.random_resized_crop) out.train_full_size = split.train;
  out.train = resize_images(split.train, space.resolution, config.eval_crop);
  out.validation = resize_images(split.validation, space.resolution, config.eval_crop);
  out.test = resize_images(test, space.resolution, config.eval_crop);
  return out;
}

}  // namespace tinynas::supernet
