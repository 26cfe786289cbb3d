// The calibrated latency model of one board kind (and firmware): per op class, cycles =
// coefficients . features (non-negative, fitted by NNLS on per-op cycles measured on the board);
// whole-model cycles = sum over ops + fixed overhead (a constant plus a per-op term, fitted on
// total minus the per-op sum). Saved as JSON with the board kind, the firmware version, the
// sample counts and the held-out error, so every prediction says where it comes from.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "latency/op_features.h"

namespace tinynas::latency {

inline constexpr char kLatencyModelFormat[] = "tinynas-latency/1";

class LatencyModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One measured model: its op features and what the board reported.
struct ModelMeasurement {
  std::string name;  // for reports (e.g. the subnet or the model hash)
  std::vector<OpFeatures> ops;
  std::vector<uint32_t> per_op_cycles;  // one per op
  uint64_t total_cycles = 0;            // one inference
};

// Pairs features with cycles; throws LatencyModelError when the op counts differ.
ModelMeasurement make_measurement(std::string name, std::vector<OpFeatures> ops,
                                  std::vector<uint32_t> per_op_cycles, uint64_t total_cycles);

struct OpClassModel {
  FeatureVector coefficients{};  // cycles per unit of each feature, >= 0
  int64_t samples = 0;           // ops it was fitted on
  double residual_rms = 0.0;     // cycles, on its training ops
};

struct HoldoutReport {
  int models = 0;
  double share_within_5_percent = 0.0;   // [0, 1]
  double share_within_10_percent = 0.0;  // [0, 1]
  double max_abs_relative_error = 0.0;   // |predicted - measured| / measured
  double mean_abs_relative_error = 0.0;
  std::vector<double> relative_errors;  // signed, per held-out model
};

struct LatencyModel {
  std::string board_kind;
  std::string firmware_version;
  uint32_t clock_hz = 0;
  // Keyed by OpFeatures::op_class and by OpFeatures::op_kind (the fallback).
  std::map<std::string, OpClassModel> classes;
  double overhead_fixed_cycles = 0.0;
  double overhead_cycles_per_op = 0.0;
  int64_t model_samples = 0;  // models it was fitted on
  int64_t op_samples = 0;     // ops it was fitted on
  std::optional<HoldoutReport> holdout;
};

struct FitOptions {
  // A class with fewer training ops than this is not kept (its kind's model answers).
  int64_t min_class_samples = 8;
};

// Throws LatencyModelError when there are no measurements.
LatencyModel fit_latency_model(const std::vector<ModelMeasurement>& measurements,
                               const std::string& board_kind, const std::string& firmware_version,
                               uint32_t clock_hz, const FitOptions& options = {});

struct Prediction {
  double total_cycles = 0.0;
  std::vector<double> per_op_cycles;
  double overhead_cycles = 0.0;
  double milliseconds(uint32_t clock_hz) const;
};

// Throws LatencyModelError naming the op when neither its class nor its kind was calibrated.
Prediction predict_latency(const LatencyModel& model, const std::vector<OpFeatures>& ops);

HoldoutReport evaluate_latency_model(const LatencyModel& model,
                                     const std::vector<ModelMeasurement>& held_out);

nlohmann::json to_json(const LatencyModel& model);
// Throws LatencyModelError listing every bad field ("<origin>: N errors\n  <field>: expected ...,
// found ...").
LatencyModel latency_model_from_json(const nlohmann::json& json, const std::string& origin);
void save_latency_model(const LatencyModel& model, const std::string& path);
LatencyModel load_latency_model(const std::string& path);

}  // namespace tinynas::latency
