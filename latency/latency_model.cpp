#include "latency/latency_model.h"

#include <Eigen/Dense>
#include <cmath>
#include <fstream>

#include "latency/nnls.h"

namespace tinynas::latency {
namespace {

constexpr double kFivePercent = 0.05;
constexpr double kTenPercent = 0.10;
constexpr double kMillisecondsPerSecond = 1000.0;
constexpr int kJsonIndent = 2;
// Overhead regression columns: per-op term, constant.
constexpr int kOverheadColumns = 2;

struct ClassSamples {
  std::vector<FeatureVector> features;
  std::vector<double> cycles;
};

OpClassModel fit_class(const ClassSamples& samples) {
  const auto rows = static_cast<Eigen::Index>(samples.cycles.size());
  Eigen::MatrixXd a(rows, kFeatureCount);
  Eigen::VectorXd b(rows);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (int f = 0; f < kFeatureCount; ++f) a(r, f) = samples.features[r][f];
    b(r) = samples.cycles[r];
  }
  const NnlsResult solution = solve_nnls(a, b);
  OpClassModel model;
  for (int f = 0; f < kFeatureCount; ++f) model.coefficients[f] = solution.x(f);
  model.samples = rows;
  model.residual_rms = rows > 0 ? solution.residual_norm / std::sqrt(static_cast<double>(rows)) : 0;
  return model;
}

double dot(const FeatureVector& a, const FeatureVector& b) {
  double sum = 0.0;
  for (int f = 0; f < kFeatureCount; ++f) sum += a[f] * b[f];
  return sum;
}

[[noreturn]] void fail(const std::string& origin, const std::string& field,
                       const std::string& what) {
  throw LatencyModelError(origin + ": " + field + ": " + what);
}

template <typename T>
T read_field(const nlohmann::json& object, const std::string& key, const std::string& origin,
             const std::string& where) {
  if (!object.is_object() || !object.contains(key)) fail(origin, where + key, "missing");
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail(origin, where + key, std::string("wrong type: ") + e.what());
  }
}

double non_negative(double value, const std::string& origin, const std::string& field) {
  if (!std::isfinite(value) || value < 0.0) {
    fail(origin, field, "expected a finite value >= 0, found " + std::to_string(value));
  }
  return value;
}

}  // namespace

ModelMeasurement make_measurement(std::string name, std::vector<OpFeatures> ops,
                                  std::vector<uint32_t> per_op_cycles, uint64_t total_cycles) {
  if (ops.size() != per_op_cycles.size()) {
    throw LatencyModelError(name + ": the model has " + std::to_string(ops.size()) +
                            " ops but the measurement has " + std::to_string(per_op_cycles.size()) +
                            " per-op cycle counts");
  }
  return {std::move(name), std::move(ops), std::move(per_op_cycles), total_cycles};
}

double Prediction::milliseconds(uint32_t clock_hz) const {
  return clock_hz == 0 ? 0.0 : total_cycles * kMillisecondsPerSecond / clock_hz;
}

LatencyModel fit_latency_model(const std::vector<ModelMeasurement>& measurements,
                               const std::string& board_kind, const std::string& firmware_version,
                               uint32_t clock_hz, const FitOptions& options) {
  if (measurements.empty()) throw LatencyModelError("latency fit: no measurements");
  std::map<std::string, ClassSamples> by_class;
  std::map<std::string, ClassSamples> by_kind;
  Eigen::MatrixXd overhead_a(static_cast<Eigen::Index>(measurements.size()), kOverheadColumns);
  Eigen::VectorXd overhead_b(static_cast<Eigen::Index>(measurements.size()));
  LatencyModel model;
  for (std::size_t m = 0; m < measurements.size(); ++m) {
    const ModelMeasurement& measured = measurements[m];
    if (measured.ops.size() != measured.per_op_cycles.size()) {
      throw LatencyModelError("latency fit: " + measured.name + ": op count mismatch");
    }
    double op_sum = 0.0;
    for (std::size_t i = 0; i < measured.ops.size(); ++i) {
      const OpFeatures& op = measured.ops[i];
      const double cycles = measured.per_op_cycles[i];
      by_class[op.op_class].features.push_back(op.values);
      by_class[op.op_class].cycles.push_back(cycles);
      if (op.op_kind != op.op_class) {
        by_kind[op.op_kind].features.push_back(op.values);
        by_kind[op.op_kind].cycles.push_back(cycles);
      }
      op_sum += cycles;
    }
    const auto row = static_cast<Eigen::Index>(m);
    overhead_a(row, 0) = static_cast<double>(measured.ops.size());
    overhead_a(row, 1) = 1.0;
    overhead_b(row) = static_cast<double>(measured.total_cycles) - op_sum;
    model.op_samples += static_cast<int64_t>(measured.ops.size());
  }
  for (const auto& [name, samples] : by_class) {
    if (static_cast<int64_t>(samples.cycles.size()) >= options.min_class_samples ||
        by_kind.count(name) == 0) {
      model.classes[name] = fit_class(samples);
    }
  }
  for (const auto& [name, samples] : by_kind) {
    if (model.classes.count(name) == 0) model.classes[name] = fit_class(samples);
  }
  const NnlsResult overhead = solve_nnls(overhead_a, overhead_b);
  model.overhead_cycles_per_op = overhead.x(0);
  model.overhead_fixed_cycles = overhead.x(1);
  model.board_kind = board_kind;
  model.firmware_version = firmware_version;
  model.clock_hz = clock_hz;
  model.model_samples = static_cast<int64_t>(measurements.size());
  return model;
}

Prediction predict_latency(const LatencyModel& model, const std::vector<OpFeatures>& ops) {
  Prediction prediction;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto found = model.classes.find(ops[i].op_class);
    if (found == model.classes.end()) found = model.classes.find(ops[i].op_kind);
    if (found == model.classes.end()) {
      throw LatencyModelError("latency model for " + model.board_kind + ": op " +
                              std::to_string(i) + " (" + ops[i].op_class +
                              ") is of a kind that was never calibrated");
    }
    const double cycles = dot(found->second.coefficients, ops[i].values);
    prediction.per_op_cycles.push_back(cycles);
    prediction.total_cycles += cycles;
  }
  prediction.overhead_cycles =
      model.overhead_fixed_cycles + model.overhead_cycles_per_op * static_cast<double>(ops.size());
  prediction.total_cycles += prediction.overhead_cycles;
  return prediction;
}

HoldoutReport evaluate_latency_model(const LatencyModel& model,
                                     const std::vector<ModelMeasurement>& held_out) {
  HoldoutReport report;
  int within_5 = 0;
  int within_10 = 0;
  double sum_abs = 0.0;
  for (const ModelMeasurement& measured : held_out) {
    if (measured.total_cycles == 0) {
      throw LatencyModelError("latency evaluation: " + measured.name + " measured 0 cycles");
    }
    const double predicted = predict_latency(model, measured.ops).total_cycles;
    const double measured_cycles = static_cast<double>(measured.total_cycles);
    const double error = (predicted - measured_cycles) / measured_cycles;
    report.relative_errors.push_back(error);
    const double magnitude = std::abs(error);
    if (magnitude <= kFivePercent) ++within_5;
    if (magnitude <= kTenPercent) ++within_10;
    report.max_abs_relative_error = std::max(report.max_abs_relative_error, magnitude);
    sum_abs += magnitude;
  }
  report.models = static_cast<int>(held_out.size());
  if (report.models > 0) {
    report.share_within_5_percent = static_cast<double>(within_5) / report.models;
    report.share_within_10_percent = static_cast<double>(within_10) / report.models;
    report.mean_abs_relative_error = sum_abs / report.models;
  }
  return report;
}

nlohmann::json to_json(const LatencyModel& model) {
  nlohmann::json json;
  json["format"] = kLatencyModelFormat;
  json["board_kind"] = model.board_kind;
  json["firmware_version"] = model.firmware_version;
  json["clock_hz"] = model.clock_hz;
  json["model_samples"] = model.model_samples;
  json["op_samples"] = model.op_samples;
  json["overhead"] = {{"fixed_cycles", model.overhead_fixed_cycles},
                      {"cycles_per_op", model.overhead_cycles_per_op}};
  std::vector<std::string> names;
  for (int f = 0; f < kFeatureCount; ++f) names.push_back(feature_name(f));
  json["features"] = names;
  json["op_classes"] = nlohmann::json::object();
  for (const auto& [name, c] : model.classes) {
    nlohmann::json entry;
    entry["samples"] = c.samples;
    entry["residual_rms_cycles"] = c.residual_rms;
    entry["coefficients"] = nlohmann::json::object();
    for (int f = 0; f < kFeatureCount; ++f)
      entry["coefficients"][feature_name(f)] = c.coefficients[f];
    json["op_classes"][name] = entry;
  }
  if (model.holdout) {
    const HoldoutReport& h = *model.holdout;
    json["holdout"] = {{"models", h.models},
                       {"share_within_5_percent", h.share_within_5_percent},
                       {"share_within_10_percent", h.share_within_10_percent},
                       {"max_abs_relative_error", h.max_abs_relative_error},
                       {"mean_abs_relative_error", h.mean_abs_relative_error},
                       {"relative_errors", h.relative_errors}};
  }
  return json;
}

LatencyModel latency_model_from_json(const nlohmann::json& json, const std::string& origin) {
  if (!json.is_object()) fail(origin, "(top level)", "expected an object");
  const auto format = read_field<std::string>(json, "format", origin, "");
  if (format != kLatencyModelFormat) {
    fail(origin, "format",
         std::string("expected \"") + kLatencyModelFormat + "\", found \"" + format + "\"");
  }
  LatencyModel model;
  model.board_kind = read_field<std::string>(json, "board_kind", origin, "");
  model.firmware_version = read_field<std::string>(json, "firmware_version", origin, "");
  model.clock_hz = read_field<uint32_t>(json, "clock_hz", origin, "");
  model.model_samples = read_field<int64_t>(json, "model_samples", origin, "");
  model.op_samples = read_field<int64_t>(json, "op_samples", origin, "");
  const auto overhead = read_field<nlohmann::json>(json, "overhead", origin, "");
  model.overhead_fixed_cycles =
      non_negative(read_field<double>(overhead, "fixed_cycles", origin, "overhead."), origin,
                   "overhead.fixed_cycles");
  model.overhead_cycles_per_op =
      non_negative(read_field<double>(overhead, "cycles_per_op", origin, "overhead."), origin,
                   "overhead.cycles_per_op");
  const auto classes = read_field<nlohmann::json>(json, "op_classes", origin, "");
  if (!classes.is_object()) fail(origin, "op_classes", "expected an object");
  for (const auto& item : classes.items()) {
    const std::string where = "op_classes." + item.key() + ".";
    OpClassModel c;
    c.samples = read_field<int64_t>(item.value(), "samples", origin, where);
    c.residual_rms = read_field<double>(item.value(), "residual_rms_cycles", origin, where);
    const auto coefficients =
        read_field<nlohmann::json>(item.value(), "coefficients", origin, where);
    for (int f = 0; f < kFeatureCount; ++f) {
      c.coefficients[f] = non_negative(
          read_field<double>(coefficients, feature_name(f), origin, where + "coefficients."),
          origin, where + "coefficients." + feature_name(f));
    }
    if (coefficients.size() != static_cast<std::size_t>(kFeatureCount)) {
      fail(origin, where + "coefficients",
           "expected exactly " + std::to_string(kFeatureCount) + " features, found " +
               std::to_string(coefficients.size()));
    }
    model.classes[item.key()] = c;
  }
  if (json.contains("holdout")) {
    const auto& h = json.at("holdout");
    HoldoutReport report;
    report.models = read_field<int>(h, "models", origin, "holdout.");
    report.share_within_5_percent =
        read_field<double>(h, "share_within_5_percent", origin, "holdout.");
    report.share_within_10_percent =
        read_field<double>(h, "share_within_10_percent", origin, "holdout.");
    report.max_abs_relative_error =
        read_field<double>(h, "max_abs_relative_error", origin, "holdout.");
    report.mean_abs_relative_error =
        read_field<double>(h, "mean_abs_relative_error", origin, "holdout.");
    report.relative_errors =
        read_field<std::vector<double>>(h, "relative_errors", origin, "holdout.");
    model.holdout = report;
  }
  return model;
}

void save_latency_model(const LatencyModel& model, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw LatencyModelError(path + ": cannot write the latency model");
  out << to_json(model).dump(kJsonIndent) << "\n";
  if (!out) throw LatencyModelError(path + ": write failed");
}

LatencyModel load_latency_model(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw LatencyModelError(path + ": cannot open the latency model");
  nlohmann::json json;
  try {
    in >> json;
  } catch (const nlohmann::json::exception& e) {
    throw LatencyModelError(path + ": not valid JSON: " + e.what());
  }
  return latency_model_from_json(json, path);
}

}  // namespace tinynas::latency
