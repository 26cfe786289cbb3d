// tinynas predict (MODEL.tnm | --tflite F) --latency-model F [--json]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "engine/compiler/model_file.h"
#include "latency/latency_model.h"
#include "latency/op_features.h"
#include "profiler/board_spec.h"

namespace tinynas::apps {

namespace {

constexpr int kJsonIndent = 2;
constexpr double kHzPerMhz = 1e6;
constexpr double kPercent = 100.0;

struct PredictOptions {
  ModelFileOptions model;
  std::string latency_model_path;
  bool json = false;
};

// The board file's clock (the latency model's own when the kind has no board file here).
uint32_t clock_of(const latency::LatencyModel& model) {
  try {
    return profiler::find_board_spec(model.board_kind).clock_hz;
  } catch (const profiler::BoardSpecError&) {
    return model.clock_hz;
  }
}

void run_predict(const PredictOptions& options) {
  const compiler::LoadedModel loaded = load_model_source(options.model);
  const latency::LatencyModel model = latency::load_latency_model(options.latency_model_path);
  const auto ops = latency::extract_op_features(loaded.view());
  const auto prediction = latency::predict_latency(model, ops);
  const uint32_t clock_hz = clock_of(model);
  if (options.json) {
    nlohmann::json json;
    json["model"] = model_source_path(options.model);
    json["board_kind"] = model.board_kind;
    json["firmware_version"] = model.firmware_version;
    json["clock_hz"] = clock_hz;
    json["cycles"] = prediction.total_cycles;
    json["milliseconds"] = prediction.milliseconds(clock_hz);
    json["overhead_cycles"] = prediction.overhead_cycles;
    json["per_op_cycles"] = prediction.per_op_cycles;
    if (model.holdout) json["holdout"] = latency::to_json(model)["holdout"];
    fmt::print("{}\n", json.dump(kJsonIndent));
    return;
  }
  const std::string tag =
      fmt::format("[{} | {} | predicted]", model.board_kind, model.firmware_version);
  fmt::print("{} {}: {:.0f} cycles = {:.3f} ms at {:g} MHz\n", tag,
             model_source_path(options.model), prediction.total_cycles,
             prediction.milliseconds(clock_hz), clock_hz / kHzPerMhz);
  fmt::print("latency model {}: fitted on {} models ({} ops)", options.latency_model_path,
             model.model_samples, model.op_samples);
  if (model.holdout) {
    fmt::print("; held out {}: {:.0f}% within 5%, {:.0f}% within 10%, max error {:.1f}%",
               model.holdout->models, kPercent * model.holdout->share_within_5_percent,
               kPercent * model.holdout->share_within_10_percent,
               kPercent * model.holdout->max_abs_relative_error);
  }
  fmt::print("\n  {:>4}  {:<34} {:>12}\n", "op", "class", "cycles");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    fmt::print("  {:>4}  {:<34} {:>12.0f}\n", i, ops[i].op_class, prediction.per_op_cycles[i]);
  }
  fmt::print("  {:>4}  {:<34} {:>12.0f}\n", "", "(overhead)", prediction.overhead_cycles);
}

}  // namespace

void register_predict_command(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  CLI::App* command = app.add_subcommand(
      "predict", "Predict a model's latency on a board from a calibrated latency model");
  add_model_file_options(*command, options->model, "the .tnm model file");
  command
      ->add_option("--latency-model", options->latency_model_path,
                   "latency model JSON written by `tinynas calibrate`")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_flag("--json", options->json, "machine-readable output");
  command->callback([options] { run_predict(*options); });
}

}  // namespace tinynas::apps
