#include "latency/latency_model.h"

#include <Eigen/Dense>
#include <cmath>
#include <fstream>
#include <limits>

#include "config/field_reader.h"
#include "config/json_file.h"
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

// A non-negative number (cycles or cycles per feature unit); 0 when bad.
double non_negative(const config::ObjectReader& object, const std::string& key) {
  const std::optional<double> value = object.number(key);
  if (value && *value < 0.0) {
    object.add_error(key, "a number >= 0", nlohmann::json(*value));
    return 0.0;
  }
  return value.value_or(0.0);
}

OpClassModel read_op_class(const config::ObjectReader& object) {
  OpClassModel c;
  c.samples = object.integer("samples").value_or(0);
  c.residual_rms = object.number("residual_rms_cycles").value_or(0.0);
  if (const auto coefficients = object.object("coefficients")) {
    for (int f = 0; f < kFeatureCount; ++f) {
      c.coefficients[f] = non_negative(*coefficients, feature_name(f));
    }
    const size_t count = object.get("coefficients")->size();
    if (count != static_cast<size_t>(kFeatureCount)) {
      object.add_error("coefficients", "exactly " + std::to_string(kFeatureCount) + " features",
                       std::to_string(count));
    }
  }
  return c;
}

HoldoutReport read_holdout(const config::ObjectReader& object) {
  HoldoutReport report;
  report.models =
      static_cast<int>(object.integer("models", 0, std::numeric_limits<int>::max()).value_or(0));
  report.share_within_5_percent = object.number("share_within_5_percent").value_or(0.0);
  report.share_within_10_percent = object.number("share_within_10_percent").value_or(0.0);
  report.max_abs_relative_error = object.number("max_abs_relative_error").value_or(0.0);
  report.mean_abs_relative_error = object.number("mean_abs_relative_error").value_or(0.0);
  if (const auto errors = object.array("relative_errors", "an array of numbers")) {
    report.relative_errors =
        errors->numbers(std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max())
            .value_or(std::vector<double>{});
  }
  return report;
}

// Throws config::ConfigError listing every bad field.
LatencyModel read_latency_model(const nlohmann::json& json, const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(json, "", errors);
  const std::optional<std::string> format = root.string("format");
  if (format && *format != kLatencyModelFormat) {
    root.add_error("format", std::string("\"") + kLatencyModelFormat + "\"",
                   nlohmann::json(*format));
  }
  LatencyModel model;
  model.board_kind = root.string("board_kind").value_or("");
  model.firmware_version = root.string("firmware_version").value_or("");
  model.clock_hz = static_cast<uint32_t>(
      root.integer("clock_hz", 0, std::numeric_limits<uint32_t>::max()).value_or(0));
  model.model_samples = root.integer("model_samples").value_or(0);
  model.op_samples = root.integer("op_samples").value_or(0);
  if (const auto overhead = root.object("overhead")) {
    model.overhead_fixed_cycles = non_negative(*overhead, "fixed_cycles");
    model.overhead_cycles_per_op = non_negative(*overhead, "cycles_per_op");
  }
  if (const auto classes = root.object("op_classes")) {
    for (const auto& item : root.get("op_classes")->items()) {
      const config::ObjectReader entry(item.value(), classes->path_of(item.key()), errors);
      if (entry.valid()) model.classes[item.key()] = read_op_class(entry);
    }
  }
  if (const auto holdout = root.object("holdout", config::kOptional)) {
    model.holdout = read_holdout(*holdout);
  }
  errors.throw_if_any(origin);
  return model;
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
  try {
    return read_latency_model(json, origin);
  } catch (const config::ConfigError& error) {
    throw LatencyModelError(error.what());
  }
}

void save_latency_model(const LatencyModel& model, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw LatencyModelError(path + ": cannot write the latency model");
  out << to_json(model).dump(kJsonIndent) << "\n";
  if (!out) throw LatencyModelError(path + ": write failed");
}

LatencyModel load_latency_model(const std::string& path) {
  try {
    return read_latency_model(config::read_json_file(path), path);
  } catch (const config::ConfigError& error) {
    throw LatencyModelError(error.what());
  }
}

}  // namespace tinynas::latency
