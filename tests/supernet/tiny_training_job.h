// A progressive-shrinking job on the synthetic 4-class task over tiny_space(): two phases,
// five epochs, trained in seconds; `sandwich` selects the sandwich rule in the second phase. `name`
// is its folder under the temp directory (emptied).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "supernet/training_job.h"
#include "tests/supernet/tiny_space.h"

namespace tinynas::supernet::testing {

// The job's document, with its space.json written into `dir` (emptied) and its output in
// dir/run.
inline nlohmann::json tiny_training_document(const std::filesystem::path& dir, bool sandwich) {
  namespace fs = std::filesystem;
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "space.json") << space::search_space_to_json(tiny_space()).dump();
  return {{"format", kTrainJobFormat},
          {"space", "space.json"},
          {"dataset",
           {{"kind", "synthetic"},
            {"synthetic_train_size", 320},
            {"synthetic_test_size", 64},
            {"validation_size", 64}}},
          {"output_dir", (dir / "run").string()},
          {"seed", 3},
          {"threads", 1},
          {"batch_size", 32},
          {"eval_batch_size", 64},
          {"bn_calibration_batches", 2},
          {"optimizer",
           {{"kind", "sgd"}, {"momentum", 0.9}, {"nesterov", true}, {"weight_decay", 1e-5}}},
          {"label_smoothing", 0.1},
          {"distillation_weight", 1.0},
          {"phases",
           {{{"name", "full"}, {"epochs", 3}, {"learning_rate", 0.05}, {"subnets_per_step", 1}},
            {{"name", "all"},
             {"epochs", 2},
             {"learning_rate", 0.02},
             {"subnets_per_step", 2},
             {"distillation", true},
             {"sort_channels", true},
             {"sandwich", sandwich},
             {"kernel_sizes", {3, 5, 7}},
             {"depths", {1, 2}},
             {"expand_ratios", {3, 4, 6}}}}}};
}

inline TrainingJob tiny_training_job(const std::string& name, bool sandwich = false) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
  return parse_training_job(tiny_training_document(dir, sandwich), dir.string());
}

}  // namespace tinynas::supernet::testing
