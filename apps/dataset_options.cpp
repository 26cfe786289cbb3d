#include "apps/dataset_options.h"

#include <CLI/CLI.hpp>

namespace tinynas::apps {

CLI::Option* add_dataset_options(CLI::App& command, std::string& dataset, std::string& kind) {
  CLI::Option* dataset_option =
      command
          .add_option("--dataset", dataset,
                      "a dataset folder (of --dataset-kind) or a JSON file with a job's "
                      "\"dataset\" object")
          ->check(CLI::ExistingPath);
  command
      .add_option("--dataset-kind", kind,
                  "kind of a --dataset folder: fashion-mnist, idx, image-folder, cifar-binary")
      ->capture_default_str();
  return dataset_option;
}

void add_split_limit_options(CLI::App& command, int& train_limit, int& test_limit) {
  command
      .add_option("--train-limit", train_limit, "train on the first N images of the training split")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      .add_option("--test-limit", test_limit,
                  "measure accuracy on the first N images of the test split")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

}  // namespace tinynas::apps
