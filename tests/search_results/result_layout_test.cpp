// The result directory's paths are a contract with users and tools (README, `tinynas export`):
// each file is where the documentation says.
#include "search_results/result_layout.h"

#include <gtest/gtest.h>

namespace tinynas::search_results {
namespace {

TEST(ResultLayout, NamesEveryFileOfTheResultDirectory) {
  const ResultLayout layout("runs/x");
  EXPECT_EQ(layout.root(), "runs/x");
  EXPECT_EQ(layout.job_file(), "runs/x/job.json");
  EXPECT_EQ(layout.stage1_cdf_file(), "runs/x/stage1/cdf.json");
  EXPECT_EQ(layout.stage1_space_file(), "runs/x/stage1/space.json");
  EXPECT_EQ(layout.supernet_dir(), "runs/x/supernet");
  EXPECT_EQ(layout.final_dir(), "runs/x/final");
  EXPECT_EQ(layout.best_dir(), "runs/x/best");
  EXPECT_EQ(layout.best_arch_file(), "runs/x/best/arch.json");
  EXPECT_EQ(layout.best_model_file(), "runs/x/best/model.tnm");
  EXPECT_EQ(layout.best_profile_file(), "runs/x/best/profile.json");
  EXPECT_EQ(layout.best_summary_file(), "runs/x/best/summary.json");
  EXPECT_EQ(layout.pareto_file(), "runs/x/pareto.json");
  EXPECT_EQ(layout.history_file(), "runs/x/history.jsonl");
  EXPECT_EQ(layout.report_file(), "runs/x/report.html");
}

TEST(ResultLayout, WithoutARootNamesPathsRelativeToTheResultDirectory) {
  EXPECT_EQ(ResultLayout().best_summary_file(), "best/summary.json");
  EXPECT_EQ(ResultLayout().final_dir(), "final");
}

TEST(ResultLayout, StateKeepsTheCheckpointAndTheMeasuredModels) {
  const StateLayout state = ResultLayout("runs/x").state();
  EXPECT_EQ(state.dir(), "runs/x/state");
  EXPECT_EQ(state.checkpoint_file(), "runs/x/state/search-state.json");
  EXPECT_EQ(state.models_dir(), "runs/x/state/models");
  const std::string recorded = StateLayout::model_file_name("m3");
  EXPECT_EQ(recorded, "models/m3.tnm");
  EXPECT_EQ(state.model_path(recorded), "runs/x/state/models/m3.tnm");
}

}  // namespace
}  // namespace tinynas::search_results
