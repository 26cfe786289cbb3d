// tinynas calibrate --farm URL --board KIND --space SPACE.json --samples N [--holdout M]
//                   [--seed S] [--runs R] -o MODEL.json [--json]
// Samples random subnets of a search space (random weights: latency does not depend on
// values), measures them on the farm, fits the latency model on N and reports its error on M
// held-out subnets.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "apps/commands.h"
#include "latency/latency_model.h"
#include "nas/search/latency_calibration.h"
#include "space/search_space.h"

namespace tinynas::apps {

namespace {

constexpr int kJsonIndent = 2;
constexpr double kPercent = 100.0;
constexpr int kProgressEvery = 10;

struct CalibrateOptions {
  std::string farm_url;
  std::string space_path;
  nas::CalibrationSettings settings;
  uint32_t runs = 1;
  std::string token;
  std::string output_path;
  bool json = false;
};

void run_calibrate(const CalibrateOptions& options) {
  const space::SearchSpace space = space::load_search_space(options.space_path);
  nas::FarmCalibrationBoards boards(options.farm_url, options.token, options.settings.board,
                                    options.runs);
  nas::CalibrationObserver observer;
  observer.message = [](const std::string& text) { fmt::print("calibrate: {}\n", text); };
  observer.measured = [](int done, int total) {
    if (done % kProgressEvery == 0 || done == total) {
      fmt::print("calibrate: measured {}/{}\n", done, total);
    }
  };
  const latency::LatencyModel model =
      nas::calibrate_latency_model(space, options.settings, boards, observer);
  latency::save_latency_model(model, options.output_path);
  if (options.json) {
    fmt::print("{}\n", latency::to_json(model).dump(kJsonIndent));
    return;
  }
  const std::string& board = options.settings.board;
  fmt::print("[{} | {}] latency model fitted on {} subnets ({} ops, {} op classes) -> {}\n", board,
             model.firmware_version, model.model_samples, model.op_samples, model.classes.size(),
             options.output_path);
  if (model.holdout) {
    const auto& h = *model.holdout;
    fmt::print(
        "[{} | {}] held-out {} subnets: {:.1f}% within +-5%, {:.1f}% within +-10%, max error "
        "{:.2f}%, mean error {:.2f}%\n",
        board, model.firmware_version, h.models, kPercent * h.share_within_5_percent,
        kPercent * h.share_within_10_percent, kPercent * h.max_abs_relative_error,
        kPercent * h.mean_abs_relative_error);
  }
}

}  // namespace

void register_calibrate_command(CLI::App& app) {
  auto options = std::make_shared<CalibrateOptions>();
  CLI::App* command = app.add_subcommand(
      "calibrate",
      "Measure random subnets of a search space on a farm and fit the board's latency model");
  command->add_option("--farm", options->farm_url, "the farm, http://HOST:PORT")->required();
  command->add_option("--board", options->settings.board, "board kind to calibrate")->required();
  command->add_option("--space", options->space_path, "search-space file (configs/spaces/*.json)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--samples", options->settings.samples, "subnets to fit on")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--holdout", options->settings.holdout,
                   "further subnets to measure the error on")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->settings.seed, "subnet sampling seed");
  command->add_option("--runs", options->runs, "inferences per measurement")
      ->check(CLI::PositiveNumber);
  command->add_option("--token", options->token, "bearer token (default: $TINYNAS_FARM_TOKEN)");
  command->add_option("-o,--output", options->output_path, "latency model JSON to write")
      ->required();
  command->add_flag("--json", options->json, "print the fitted model as JSON");
  command->callback([options] { run_calibrate(*options); });
}

}  // namespace tinynas::apps
