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

}  // namespace tinynas::apps
