#include "supernet/job_datasets.h"

#include "supernet/fashion_mnist.h"
#include "supernet/synthetic_dataset.h"

namespace tinynas::supernet {
namespace {
// The synthetic test split uses a different seed stream than train.
constexpr uint64_t kSyntheticTestSeedOffset = 0x9E3779B97F4A7C15ull;
}  // namespace

JobDatasets load_job_datasets(const DatasetConfig& config, const space::SearchSpace& space,
                              uint64_t seed) {
  ImageDataset train_all, test;
  if (config.kind == "synthetic") {
    train_all = make_synthetic_dataset(config.synthetic_train_size, space.input_channels,
                                       space.resolution, space.num_classes, seed);
    test =
        make_synthetic_dataset(config.synthetic_test_size, space.input_channels, space.resolution,
                               space.num_classes, seed + kSyntheticTestSeedOffset);
  } else {
    const std::string dir = config.path.empty() ? datasets::kFashionMnistDefaultDir : config.path;
    train_all = load_fashion_mnist(dir, datasets::FashionMnistPart::kTrain);
    test = load_fashion_mnist(dir, datasets::FashionMnistPart::kTest);
  }
  if (train_all.channels != space.input_channels || train_all.num_classes != space.num_classes) {
    throw std::invalid_argument("dataset " + train_all.name + " has " +
                                std::to_string(train_all.channels) + " channels and " +
                                std::to_string(train_all.num_classes) + " classes; space '" +
                                space.name + "' expects " + std::to_string(space.input_channels) +
                                " and " + std::to_string(space.num_classes));
  }
  DatasetSplit split =
      split_train_validation(train_all, static_cast<size_t>(config.validation_size), seed);
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
  return {resize_images(split.train, space.resolution),
          resize_images(split.validation, space.resolution), resize_images(test, space.resolution)};
}

}  // namespace tinynas::supernet
