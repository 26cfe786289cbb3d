// The search takes every new board kind: a job naming it parses (the kind's board file, its
// limits), and the job's hardware measurer (a QEMU board of that kind launched in this process,
// as `tinynas search` makes it without a farm) runs a subnet of the job's space, bit-exact with
// the host engine.
#include <gtest/gtest.h>

#include <string>

#include "nas/search/board_measurers.h"
#include "nas/search/latency_calibration.h"
#include "nas/search/search_job.h"
#include "space/search_space.h"

namespace tinynas::nas {
namespace {

const std::string kSource = TINYNAS_SOURCE_DIR;

nlohmann::json job_for(const std::string& kind) {
  return {{"format", "tinynas-search/1"},
          {"board", kind},
          {"constraints", {{"peak_sram_bytes", 65536}, {"flash_bytes", 262144}}},
          {"dataset",
           {{"kind", "synthetic"},
            {"synthetic_train_size", 64},
            {"synthetic_test_size", 32},
            {"validation_size", 16}}},
          {"space", kSource + "/configs/spaces/fmnist-r28-w1.0.json"},
          {"supernet", {{"train", nlohmann::json::object()}}},
          {"evolution", {{"population", 8}, {"generations", 3}}},
          {"output_dir", "runs/test"},
          {"seed", 3}};
}

class SearchBoardKinds : public ::testing::TestWithParam<std::string> {};

TEST_P(SearchBoardKinds, JobParsesAndItsBoardMeasuresASubnet) {
  const SearchJob job = parse_search_job(job_for(GetParam()), "");
  EXPECT_EQ(job.board.kind, GetParam());
  const space::SearchSpace space = space::load_search_space(job.space_path);
  const std::vector<CalibrationModel> models = sample_calibration_models(space, 1, job.seed);
  const std::unique_ptr<BoardMeasurer> measurer = make_board_measurer(job);
  const profiler::ProfileResult result = measurer->measure(models[0].bytes, models[0].name);
  EXPECT_EQ(result.board, GetParam());
  EXPECT_GT(result.cycles, 0u);
  EXPECT_TRUE(result.output_matches_host) << "first mismatch at byte " << result.first_mismatch;
}

INSTANTIATE_TEST_SUITE_P(NewKinds, SearchBoardKinds,
                         ::testing::Values("qemu-mps2-an385",    // Cortex-M3
                                           "qemu-mps2-an505",    // Cortex-M33
                                           "qemu-riscv32-virt",  // RV32IMAC
                                           "qemu-mps3-an547"),   // Cortex-M55 (MVE)
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace tinynas::nas
