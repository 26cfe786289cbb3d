// The search's view of the board's latency: every measurement taken so far (calibration subnets
// and hardware-in-the-loop candidates), the latency model refit on all of them after each
// round (latency/: per-op-class NNLS), and the error of each round's predictions on the
// models it had not seen yet.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "latency/latency_model.h"
#include "profiler/profile.h"

namespace tinynas::nas {

// One prediction checked against the board, for the predicted-vs-measured plot.
struct PredictionCheck {
  std::string name;
  double predicted_ms = 0.0;  // by the model before this measurement was added
  double measured_ms = 0.0;
  int generation = 0;
};

class LatencyTracker {
 public:
  LatencyTracker() = default;
  LatencyTracker(std::string board_kind, uint32_t clock_hz);

  // Adds a measured model (the features of the bytes that ran). `predicted_ms` < 0: none yet.
  void add(const std::string& name, const std::vector<uint8_t>& model,
           const profiler::ProfileResult& result, double predicted_ms, int generation);
  // Refits on every measurement so far (deterministic: the same measurements give the same
  // model). Throws when there is none.
  void refit();
  bool ready() const { return model_.has_value(); }
  // Milliseconds on the board; throws unless ready().
  double predict_ms(const std::vector<latency::OpFeatures>& ops) const;
  const latency::LatencyModel& model() const { return *model_; }
  const std::vector<PredictionCheck>& checks() const { return checks_; }
  size_t measurements() const { return measurements_.size(); }
  const std::string& firmware_version() const { return firmware_version_; }
  // Mean |predicted - measured| / measured over the checks of `generation` (nullopt: none).
  std::optional<double> mean_error(int generation) const;

  nlohmann::json to_json() const;
  void restore(const nlohmann::json& json);  // then refit() when there are measurements

 private:
  std::string board_kind_;
  uint32_t clock_hz_ = 0;
  std::string firmware_version_;
  std::vector<latency::ModelMeasurement> measurements_;
  std::vector<PredictionCheck> checks_;
  std::optional<latency::LatencyModel> model_;
};

// Op features of a model's bytes (validated by the runtime's validator first).
std::vector<latency::OpFeatures> model_op_features(const std::vector<uint8_t>& model,
                                                   const std::string& origin);

}  // namespace tinynas::nas
