#include "nas/search/latency_tracker.h"

#include <cmath>
#include <stdexcept>

#include "engine/compiler/model_file.h"
#include "latency/op_features.h"

namespace tinynas::nas {
namespace {

nlohmann::json features_to_json(const std::vector<latency::OpFeatures>& ops) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& op : ops) {
    out.push_back({{"class", op.op_class}, {"kind", op.op_kind}, {"values", op.values}});
  }
  return out;
}

std::vector<latency::OpFeatures> features_from_json(const nlohmann::json& json) {
  std::vector<latency::OpFeatures> ops;
  for (const nlohmann::json& j : json) {
    latency::OpFeatures op;
    op.op_class = j.at("class").get<std::string>();
    op.op_kind = j.at("kind").get<std::string>();
    op.values = j.at("values").get<latency::FeatureVector>();
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace

std::vector<latency::OpFeatures> model_op_features(const std::vector<uint8_t>& model,
                                                   const std::string& origin) {
  const compiler::LoadedModel loaded(model, origin);
  return latency::extract_op_features(loaded.view());
}

LatencyTracker::LatencyTracker(std::string board_kind, uint32_t clock_hz)
    : board_kind_(std::move(board_kind)), clock_hz_(clock_hz) {}

void LatencyTracker::add(const std::string& name, const std::vector<uint8_t>& model,
                         const profiler::ProfileResult& result, double predicted_ms,
                         int generation) {
  if (firmware_version_.empty()) {
    firmware_version_ = result.firmware_version;
  } else if (result.firmware_version != firmware_version_) {
    throw std::runtime_error("board " + result.board + " runs firmware \"" +
                             result.firmware_version + "\" but earlier measurements came from \"" +
                             firmware_version_ + "\": one latency model per firmware");
  }
  if (result.clock_hz > 0) clock_hz_ = result.clock_hz;
  measurements_.push_back(latency::make_measurement(name, model_op_features(model, name),
                                                    result.per_op_cycles, result.cycles));
  if (predicted_ms >= 0.0) {
    checks_.push_back({name, predicted_ms, result.latency_ms(), generation});
  }
}

void LatencyTracker::refit() {
  model_ = latency::fit_latency_model(measurements_, board_kind_, firmware_version_, clock_hz_);
}

double LatencyTracker::predict_ms(const std::vector<latency::OpFeatures>& ops) const {
  if (!model_) throw std::logic_error("latency model used before its first fit");
  return latency::predict_latency(*model_, ops).milliseconds(clock_hz_);
}

std::optional<double> LatencyTracker::mean_error(int generation) const {
  double sum = 0.0;
  int n = 0;
  for (const PredictionCheck& c : checks_) {
    if (c.generation != generation || c.measured_ms <= 0.0) continue;
    sum += std::abs(c.predicted_ms - c.measured_ms) / c.measured_ms;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

nlohmann::json LatencyTracker::to_json() const {
  nlohmann::json measurements = nlohmann::json::array();
  for (const auto& m : measurements_) {
    measurements.push_back({{"name", m.name},
                            {"ops", features_to_json(m.ops)},
                            {"per_op_cycles", m.per_op_cycles},
                            {"total_cycles", m.total_cycles}});
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : checks_) {
    checks.push_back({{"name", c.name},
                      {"predicted_ms", c.predicted_ms},
                      {"measured_ms", c.measured_ms},
                      {"generation", c.generation}});
  }
  return {{"board", board_kind_},
          {"clock_hz", clock_hz_},
          {"firmware_version", firmware_version_},
          {"measurements", measurements},
          {"checks", checks}};
}

void LatencyTracker::restore(const nlohmann::json& json) {
  clock_hz_ = json.at("clock_hz").get<uint32_t>();
  firmware_version_ = json.at("firmware_version").get<std::string>();
  measurements_.clear();
  for (const nlohmann::json& m : json.at("measurements")) {
    measurements_.push_back(latency::make_measurement(
        m.at("name").get<std::string>(), features_from_json(m.at("ops")),
        m.at("per_op_cycles").get<std::vector<uint32_t>>(), m.at("total_cycles").get<uint64_t>()));
  }
  checks_.clear();
  for (const nlohmann::json& c : json.at("checks")) {
    checks_.push_back({c.at("name").get<std::string>(), c.at("predicted_ms").get<double>(),
                       c.at("measured_ms").get<double>(), c.at("generation").get<int>()});
  }
  model_.reset();
}

}  // namespace tinynas::nas
