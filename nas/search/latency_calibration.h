// `tinynas calibrate`: a board's latency model from random subnets of a search space. The
// subnets get random weights (latency does not depend on values), run on the board, and the
// model is fitted on the first `samples` of them; the rest measure its error on subnets it has
// not seen. (The search's own first latency model, fitted on subnets within the job's limits, is
// EvolutionSearch's calibration round.)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "farm/farm_client.h"
#include "latency/latency_model.h"
#include "latency/op_features.h"
#include "profiler/profile.h"
#include "space/search_space.h"

namespace tinynas::nas {

struct CalibrationModel {
  std::string name;            // the subnet, space::describe_subnet
  std::vector<uint8_t> bytes;  // .tnm, random weights, op by op
  std::vector<latency::OpFeatures> ops;
};

// `count` distinct subnets of `space` drawn with `seed`; the i-th (from 0) has its weights
// seeded i + 1. Throws std::runtime_error when the space has fewer distinct subnets.
std::vector<CalibrationModel> sample_calibration_models(const space::SearchSpace& space, int count,
                                                        uint64_t seed);

// Where calibration models run: all are handed over at once (a farm spreads them over its
// boards), then their results are collected in order.
class CalibrationBoards {
 public:
  virtual ~CalibrationBoards() = default;
  virtual void submit(const std::vector<CalibrationModel>& models) = 0;
  // Waits for the run of the index-th submitted model; throws naming it when it failed.
  virtual profiler::ProfileResult collect(std::size_t index) = 0;
  virtual std::string description() const = 0;
};

inline constexpr std::chrono::hours kCalibrationJobTimeout{2};

// The boards of one kind of a farm.
class FarmCalibrationBoards : public CalibrationBoards {
 public:
  // Empty token: $TINYNAS_FARM_TOKEN if set, else none.
  FarmCalibrationBoards(const std::string& url, const std::string& token, std::string kind,
                        uint32_t runs,
                        std::chrono::milliseconds job_timeout = kCalibrationJobTimeout);
  void submit(const std::vector<CalibrationModel>& models) override;
  profiler::ProfileResult collect(std::size_t index) override;
  std::string description() const override { return client_.url(); }

 private:
  farm::FarmClient client_;
  std::string kind_;
  uint32_t runs_;
  std::chrono::milliseconds job_timeout_;
  std::vector<int64_t> job_ids_;
  std::vector<std::string> names_;
};

struct CalibrationSettings {
  std::string board;  // the board kind the model is for
  int samples = 200;  // subnets to fit on
  int holdout = 50;   // further subnets to measure its error on
  uint64_t seed = 1;  // subnet sampling
};

struct CalibrationObserver {
  std::function<void(const std::string&)> message;
  std::function<void(int done, int total)> measured;
};

// Samples samples + holdout subnets, runs them on `boards`, fits the model on the first
// `samples` and sets its holdout report from the rest. Throws std::runtime_error when the boards
// run different firmware (a model is for one firmware).
latency::LatencyModel calibrate_latency_model(const space::SearchSpace& space,
                                              const CalibrationSettings& settings,
                                              CalibrationBoards& boards,
                                              const CalibrationObserver& observer = {});

}  // namespace tinynas::nas
