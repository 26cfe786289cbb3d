#include "datasets/dataset_option.h"

#include <filesystem>

#include "config/json_file.h"

namespace tinynas::datasets {

DatasetConfig dataset_option_config(const std::string& path, const std::string& folder_kind,
                                    const std::string& option) {
  if (std::filesystem::path(path).extension() == ".json") {
    const nlohmann::json document = config::read_json_file(path);
    const nlohmann::json& object =
        document.is_object() && document.contains("dataset") ? document["dataset"] : document;
    return parse_dataset_config(object, path, std::filesystem::path(path).parent_path().string());
  }
  return parse_dataset_config({{"kind", folder_kind}, {"path", path}}, option);
}

}  // namespace tinynas::datasets
