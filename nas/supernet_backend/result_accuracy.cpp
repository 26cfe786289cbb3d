#include "nas/supernet_backend/result_accuracy.h"

#include <filesystem>

#include "config/json_file.h"
#include "search_results/result_layout.h"
#include "space/subnet_config.h"
#include "supernet/checkpoint.h"
#include "supernet/subnet_accuracy.h"

namespace tinynas::nas {

std::optional<double> result_float_accuracy(const std::string& result_dir,
                                            const std::string& dataset_dir, std::size_t images) {
  namespace fs = std::filesystem;
  const search_results::ResultLayout layout(result_dir);
  fs::path checkpoint = layout.supernet_dir();
  const fs::path summary = layout.best_summary_file();
  if (fs::exists(summary)) {
    const nlohmann::json s = config::read_json_file(summary.string());
    if (s.contains("final_training")) {
      checkpoint = layout.root() / s.at("final_training").at("checkpoint").get<std::string>();
    }
  }
  const fs::path arch = layout.best_arch_file();
  if (!fs::is_directory(result_dir) || !fs::exists(checkpoint / supernet::kMetadataFile) ||
      !fs::exists(arch)) {
    return std::nullopt;
  }
  supernet::AccuracyOptions options;
  options.split = "test";
  options.dataset_path = dataset_dir;
  options.sample_images = static_cast<int64_t>(images);
  supernet::SubnetAccuracyEvaluator evaluator(checkpoint.string(), options);
  return evaluator.evaluate(space::load_subnet_arch(evaluator.space(), arch.string()))
      .float_accuracy;
}

}  // namespace tinynas::nas
