// The --dataset / --dataset-kind pair (and the split limits) of the commands that read a user's
// labelled images (scheme, finetune, float-finetune): a folder of a kind, or a JSON file with a
// job's "dataset" object (datasets/dataset_option.h reads either).
#pragma once

#include <string>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace tinynas::apps {

// Registers both options on `command`; returns --dataset (the caller decides if it is required).
CLI::Option* add_dataset_options(CLI::App& command, std::string& dataset, std::string& kind);

// --train-limit / --test-limit of the fine-tunes: the first N images of each split.
void add_split_limit_options(CLI::App& command, int& train_limit, int& test_limit);

}  // namespace tinynas::apps
