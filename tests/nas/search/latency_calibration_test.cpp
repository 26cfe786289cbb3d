// `tinynas calibrate`'s workflow with a simulated board: distinct, reproducible subnets; a model
// fitted on the first samples that predicts the held-out ones; one firmware per model.
#include "nas/search/latency_calibration.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/nas/search/search_fakes.h"

namespace tinynas::nas {
namespace {

using testing::FakeBoard;
using testing::tiny_space;

// Runs the submitted models one by one on a BoardMeasurer, as they are collected.
class OneBoardAtATime : public CalibrationBoards {
 public:
  explicit OneBoardAtATime(BoardMeasurer& board) : board_(board) {}
  void submit(const std::vector<CalibrationModel>& models) override { models_ = models; }
  profiler::ProfileResult collect(std::size_t index) override {
    profiler::ProfileResult result = board_.measure(models_.at(index).bytes, models_[index].name);
    if (firmware_after && index >= *firmware_after) result.firmware_version = "other firmware";
    return result;
  }
  std::string description() const override { return board_.description(); }
  std::optional<std::size_t> firmware_after;  // from this index on, boards report other firmware

 private:
  BoardMeasurer& board_;
  std::vector<CalibrationModel> models_;
};

TEST(LatencyCalibration, SamplesDistinctSubnetsReproducibly) {
  const std::vector<CalibrationModel> a = sample_calibration_models(tiny_space(), 12, 5);
  const std::vector<CalibrationModel> b = sample_calibration_models(tiny_space(), 12, 5);
  ASSERT_EQ(a.size(), 12u);
  std::set<std::string> names;
  for (std::size_t i = 0; i < a.size(); ++i) {
    names.insert(a[i].name);
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].bytes, b[i].bytes);
    EXPECT_FALSE(a[i].ops.empty());
  }
  EXPECT_EQ(names.size(), a.size());
}

TEST(LatencyCalibration, SaysWhenTheSpaceHasTooFewSubnets) {
  space::SearchSpace space = tiny_space();
  space.kernel_sizes = {3};
  space.expand_ratios = {2};
  space.depths = {1};
  try {
    sample_calibration_models(space, 2, 1);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fewer than 2 distinct subnets (found 1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(LatencyCalibration, FitsOnTheSamplesAndMeasuresTheHeldOutError) {
  FakeBoard board;
  OneBoardAtATime boards(board);
  CalibrationSettings settings;
  settings.board = "fake-board";
  settings.samples = 30;
  settings.holdout = 10;
  settings.seed = 3;
  std::vector<std::string> messages;
  int last_measured = 0;
  CalibrationObserver observer;
  observer.message = [&](const std::string& text) { messages.push_back(text); };
  observer.measured = [&](int done, int total) {
    EXPECT_EQ(done, last_measured + 1);
    EXPECT_EQ(total, 40);
    last_measured = done;
  };
  const latency::LatencyModel model =
      calibrate_latency_model(tiny_space(), settings, boards, observer);
  EXPECT_EQ(board.calls, 40);
  EXPECT_EQ(last_measured, 40);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("40 distinct subnets of tiny (30 to fit, 10 held out)"),
            std::string::npos)
      << messages[0];
  EXPECT_EQ(model.board_kind, "fake-board");
  EXPECT_EQ(model.firmware_version, "fake-firmware 1");
  EXPECT_EQ(model.model_samples, 30);
  ASSERT_TRUE(model.holdout.has_value());
  EXPECT_EQ(model.holdout->models, 10);
  // The fake board's law (3 cycles per MAC + 200 per op + 1000) is one the model can learn.
  EXPECT_LT(model.holdout->max_abs_relative_error, 0.01);
}

TEST(LatencyCalibration, RefusesBoardsRunningDifferentFirmware) {
  FakeBoard board;
  OneBoardAtATime boards(board);
  boards.firmware_after = 3;
  CalibrationSettings settings;
  settings.board = "fake-board";
  settings.samples = 4;
  settings.holdout = 2;
  try {
    calibrate_latency_model(tiny_space(), settings, boards);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("run different firmware (fake-firmware 1 and other "
                                         "firmware)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tinynas::nas
