// tinynas benchmark MODEL.tnm --board KIND [--port DEV] [--mode performance|accuracy]
//                   [--dataset DIR] [--samples N] [--windows N] [--iterations N] [--warmups N]
//                   [--report FILE.json]
// Drives a device under test through the MLPerf Tiny protocol (deploy/mlperf_benchmark.h).
// Without --port the board's QEMU runner is booted, MODEL is uploaded (tinynas protocol) and
// the runner is then driven through the MLPerf Tiny protocol on the same line. With --port any
// DUT that speaks the protocol (an exported `--protocol mlperf-tiny` firmware, another vendor's
// firmware) is driven as it is; MODEL then only tells the input size and quantization.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "apps/commands.h"
#include "deploy/mlperf_benchmark.h"
#include "engine/compiler/model_file.h"
#include "nas/search/progress_bar.h"
#include "profiler/board_spec.h"
#include "profiler/interrupt_cleanup.h"
#include "profiler/mlperf_client.h"
#include "profiler/open_port.h"
#include "profiler/qemu_board.h"

namespace tinynas::apps {

namespace {

constexpr int kMlperfBaud = 115200;  // the benchmark's DUT baud rate
constexpr uint32_t kInputSeed = 1;
constexpr double kPercent = 100.0;
constexpr std::size_t kReferenceWindows = 5;
constexpr double kReferenceSeconds = 10.0;
constexpr std::size_t kMaxAccuracySamples = 100000000;  // far beyond any benchmark dataset

struct BenchmarkCommandOptions {
  std::string model;
  std::string board;
  std::string port;
  int baud = kMlperfBaud;
  std::string mode = "performance";
  std::string dataset;
  std::size_t samples = 100;
  deploy::PerformanceOptions performance;
  std::string firmware;  // QEMU only: the image to boot (default: the runner)
  std::string report;
};

nlohmann::json performance_json(const deploy::PerformanceResult& result) {
  nlohmann::json windows = nlohmann::json::array();
  for (const deploy::PerformanceWindow& w : result.windows) {
    windows.push_back({{"iterations", w.iterations},
                       {"warmups", w.warmups},
                       {"elapsed_us", w.elapsed_us},
                       {"inferences_per_second", w.inferences_per_second},
                       {"results", w.results}});
  }
  return {{"windows", windows},
          {"median_inferences_per_second", result.median_inferences_per_second},
          {"latency_ms", result.latency_ms}};
}

void run_benchmark(const BenchmarkCommandOptions& options) {
  const profiler::BoardSpec spec = profiler::find_board_spec(options.board);
  const compiler::LoadedModel model = compiler::load_model_file(options.model);
  const runtime::TensorInfo input = model.view().tensor(model.view().input_tensor());
  if (options.mode == "accuracy" && options.dataset.empty()) {
    throw std::runtime_error(
        "--mode accuracy needs --dataset DIR (Fashion-MNIST or a directory "
        "with y_labels.csv)");
  }
  if (options.port.empty() && !spec.emulated()) {
    throw std::runtime_error(spec.source_path + ": board '" + spec.kind +
                             "' is a real board: give its serial port (--port DEV)");
  }

  std::unique_ptr<profiler::QemuBoard> qemu;
  std::unique_ptr<profiler::Transport> port;
  profiler::Transport* line = nullptr;
  std::string firmware_build;
  if (options.port.empty()) {
    profiler::install_interrupt_cleanup();
    profiler::QemuBoardOptions qemu_options;
    qemu_options.firmware_path = options.firmware;
    qemu = std::make_unique<profiler::QemuBoard>(spec, qemu_options);
    // A runner takes the model over the tinynas protocol; a firmware with the model built in
    // (model region 0) already has it.
    if (qemu->info().model_region_bytes > 0) qemu->client().load_model(model.bytes());
    firmware_build = qemu->firmware_path();
    line = &qemu->client().transport();
  } else {
    port = profiler::open_port(options.port, options.baud);
    line = port.get();
  }
  profiler::MlperfClient dut(*line);
  dut.flush();  // a half-sent command of an earlier host is ended, its replies dropped
  const std::string name = dut.name();
  const auto [firmware, model_name] = dut.profile();
  if (model_name == "none") {
    throw std::runtime_error(name + " (" + firmware +
                             ") has no model: a runner on --port gets none; flash firmware "
                             "exported with `tinynas export --protocol mlperf-tiny`, or leave out "
                             "--port to boot the QEMU runner with the model uploaded");
  }
  const std::string machine = deploy::describe_host_machine();
  const std::string where = options.port.empty()
                                ? "QEMU " + spec.emulator->machine + " (" + spec.kind + ")"
                                : spec.kind + " on " + options.port;

  nlohmann::json report = {{"board", spec.kind},
                           {"where", where},
                           {"dut_name", name},
                           {"firmware", firmware},
                           {"firmware_image", firmware_build},
                           {"dut_model", model_name},
                           {"model_file", options.model},
                           {"host_machine", machine},
                           {"mode", options.mode}};
  fmt::print("DUT {} on {}: firmware {}, model {}\n", name, where, firmware, model_name);
  fmt::print("host machine: {}\n", machine);

  if (options.mode == "performance") {
    std::vector<uint8_t> sample;
    if (!options.dataset.empty()) {
      const deploy::BenchmarkDataset dataset =
          deploy::load_benchmark_dataset(options.dataset, input, 1);
      sample = dataset.inputs.front();
      report["dataset"] = dataset.description;
    } else {
      sample = deploy::pseudo_random_input(input.size_bytes, kInputSeed);
      report["dataset"] = "pseudo-random input (xorshift32, seed 1)";
    }
    const deploy::PerformanceResult result =
        deploy::run_performance(dut, sample, options.performance);
    for (std::size_t w = 0; w < result.windows.size(); ++w) {
      const deploy::PerformanceWindow& window = result.windows[w];
      fmt::print("  window {}: {} inferences in {:.3f} s: {:.3f} inf./s\n", w + 1,
                 window.iterations, window.elapsed_us / 1e6, window.inferences_per_second);
    }
    fmt::print("performance: median {:.3f} inferences/s ({:.3f} ms per inference, DUT clock)\n",
               result.median_inferences_per_second, result.latency_ms);
    report["performance"] = performance_json(result);
    // The reference runner's rules for a performance run: 5 windows, at least 10 s in all.
    double timed_seconds = 0.0;
    for (const deploy::PerformanceWindow& window : result.windows) {
      timed_seconds += window.elapsed_us / 1e6;
    }
    const bool runner_rules =
        result.windows.size() == kReferenceWindows && timed_seconds >= kReferenceSeconds;
    report["performance"]["meets_reference_runner_rules"] = runner_rules;
    if (!runner_rules) {
      fmt::print(
          "note: the reference runner wants {} windows and >= {:.0f} s of timed inference; "
          "this run: {} windows, {:.3f} s\n",
          kReferenceWindows, kReferenceSeconds, result.windows.size(), timed_seconds);
    }
  } else {
    const deploy::BenchmarkDataset dataset =
        deploy::load_benchmark_dataset(options.dataset, input, options.samples);
    nas::ProgressBars bars;
    const deploy::AccuracyResult result =
        deploy::run_accuracy(dut, dataset, [&bars](std::size_t done, std::size_t total) {
          bars.update("accuracy", static_cast<int64_t>(done), static_cast<int64_t>(total));
        });
    bars.interrupt();
    report["dataset"] = dataset.description;
    nlohmann::json accuracy = {{"samples", result.samples}};
    if (result.auc) {
      accuracy["auc"] = *result.auc;
      fmt::print("accuracy: AUC {:.4f} over {} samples of {}\n", *result.auc, result.samples,
                 dataset.description);
    } else {
      accuracy["top1"] = result.top1;
      accuracy["top1_correct"] = result.top1_correct;
      fmt::print("accuracy: top-1 {:.2f}% ({} of {}) on {}\n", result.top1 * kPercent,
                 result.top1_correct, result.samples, dataset.description);
    }
    report["accuracy"] = accuracy;
  }
  if (!options.report.empty()) {
    std::ofstream out(options.report);
    out << report.dump(2) << "\n";
    if (!out) throw std::runtime_error(options.report + ": cannot write the report");
    fmt::print("report: {}\n", options.report);
  }
}

}  // namespace

void register_benchmark_command(CLI::App& app) {
  auto options = std::make_shared<BenchmarkCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "benchmark",
      "Benchmark a model on a board through the MLPerf Tiny protocol (performance: inferences "
      "per second, median of windows; accuracy: top-1 or AUC over a dataset)");
  command->add_option("model", options->model, "the .tnm model the DUT runs")->required();
  command->add_option("--board", options->board, "board kind (see `tinynas boards`)")->required();
  command->add_option("--port", options->port,
                      "serial device of a DUT (or /dev/pts/N, unix:/tcp: socket); default: "
                      "boot the board's QEMU runner and upload the model");
  command->add_option("--baud", options->baud, "baud rate of --port")->capture_default_str();
  command->add_option("--mode", options->mode, "performance or accuracy")
      ->check(CLI::IsMember({"performance", "accuracy"}))
      ->capture_default_str();
  command->add_option("--dataset", options->dataset,
                      "Fashion-MNIST directory, or a directory with y_labels.csv (FILE, "
                      "CLASS_COUNT, LABEL per line; FILE: the quantized input bytes)");
  command
      ->add_option("--samples", options->samples,
                   "accuracy: at most N samples, spread evenly over the dataset")
      ->check(CLI::Range(std::size_t{1}, kMaxAccuracySamples))
      ->capture_default_str();
  command->add_option("--windows", options->performance.windows, "performance: windows")
      ->capture_default_str();
  command->add_option("--iterations", options->performance.iterations,
                      "performance: inferences per window (default: ~2 s of DUT time)");
  command->add_option("--warmups", options->performance.warmups, "performance: warmups per window")
      ->capture_default_str();
  command->add_option("--firmware", options->firmware,
                      "QEMU: the image to boot (default: the tinynas runner of the board)");
  command->add_option("--report", options->report, "write the JSON report here");
  command->callback([options] { run_benchmark(*options); });
}

}  // namespace tinynas::apps
