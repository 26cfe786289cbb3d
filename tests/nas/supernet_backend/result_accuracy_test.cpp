// The float accuracy `tinynas export --verify` reports for a search result: the weights the
// result ships, found through best/summary.json, or nothing for a directory that is no result.
#include "nas/supernet_backend/result_accuracy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "search_results/result_layout.h"
#include "space/subnet_config.h"
#include "supernet/progressive_shrinking.h"
#include "supernet/subnet_accuracy.h"
#include "tests/supernet/tiny_training_job.h"

namespace tinynas::nas {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kImages = 32;

// A result directory with a one-epoch supernet and the largest subnet as its best network.
search_results::ResultLayout make_result(const std::string& name) {
  supernet::TrainingJob job = supernet::testing::tiny_training_job(name);
  const search_results::ResultLayout layout(fs::path(job.output_dir).parent_path() / "result");
  supernet::TrainingOptions options;
  options.output_dir = layout.supernet_dir().string();
  options.max_epochs = 1;
  supernet::train_supernet(job, options);
  fs::create_directories(layout.best_dir());
  space::save_subnet_arch(job.space, space::largest_subnet(job.space),
                          layout.best_arch_file().string(), "best");
  return layout;
}

double accuracy_of(const fs::path& checkpoint, const search_results::ResultLayout& layout) {
  supernet::AccuracyOptions options;
  options.sample_images = static_cast<int64_t>(kImages);
  supernet::SubnetAccuracyEvaluator evaluator(checkpoint.string(), options);
  return evaluator
      .evaluate(space::load_subnet_arch(evaluator.space(), layout.best_arch_file().string()))
      .float_accuracy;
}

TEST(ResultAccuracy, NothingForADirectoryThatIsNoSearchResult) {
  const fs::path empty = fs::temp_directory_path() / "tinynas_result_accuracy_empty";
  fs::create_directories(empty);
  EXPECT_FALSE(result_float_accuracy(empty.string(), "", kImages).has_value());
  EXPECT_FALSE(result_float_accuracy((empty / "missing").string(), "", kImages).has_value());
  fs::remove_all(empty);
}

TEST(ResultAccuracy, UsesTheSupernetUnlessTheSummaryNamesTheFinalTraining) {
  const search_results::ResultLayout layout = make_result("tinynas_result_accuracy");
  const std::optional<double> from_supernet =
      result_float_accuracy(layout.root().string(), "", kImages);
  ASSERT_TRUE(from_supernet.has_value());
  EXPECT_DOUBLE_EQ(*from_supernet, accuracy_of(layout.supernet_dir(), layout));

  // The summary names the final training's checkpoint: without it there is nothing to evaluate.
  std::ofstream(layout.best_summary_file()) << R"({"final_training": {"checkpoint": "final"}})";
  EXPECT_FALSE(result_float_accuracy(layout.root().string(), "", kImages).has_value());
  fs::copy(layout.supernet_dir(), layout.final_dir(), fs::copy_options::recursive);
  const std::optional<double> from_final =
      result_float_accuracy(layout.root().string(), "", kImages);
  ASSERT_TRUE(from_final.has_value());
  EXPECT_DOUBLE_EQ(*from_final, *from_supernet);
  fs::remove_all(layout.root().parent_path());
}

}  // namespace
}  // namespace tinynas::nas
