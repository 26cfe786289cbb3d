// A command's dataset option (`tinynas scheme`, `tinynas finetune`): a dataset folder of a given
// kind, or a JSON file holding a job's "dataset" object (or a whole job file).
#pragma once

#include <string>

#include "datasets/dataset_config.h"

namespace tinynas::datasets {

// `path` ending in .json: its "dataset" object (or the document itself), a relative "path"
// resolved against the file's folder; otherwise a folder of `folder_kind`. `option` names the
// option in errors. Throws config::ConfigError listing every bad field.
DatasetConfig dataset_option_config(const std::string& path, const std::string& folder_kind,
                                    const std::string& option);

}  // namespace tinynas::datasets
