// tinynas run (MODEL.tnm | --tflite F) [--input FILE] [--json]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "engine/compiler/host_runner.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_file.h"

namespace tinynas::apps {

namespace {

constexpr double kMicrosecondsPerSecond = 1e6;

struct RunOptions {
  ModelFileOptions model;
  std::string input_path;
  std::string pattern = "zeros";
  uint32_t seed = 1;
  int runs = 1;
  bool json = false;
};

std::vector<int8_t> read_input_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open input file");
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return {bytes.begin(), bytes.end()};
}

void run_model(const RunOptions& options) {
  const compiler::LoadedModel model = load_model_source(options.model);
  compiler::HostRunOptions run;
  run.iterations = options.runs;
  run.seed = options.seed;
  if (!options.input_path.empty()) {
    run.pattern = compiler::InputPattern::kBytes;
    run.input = read_input_file(options.input_path);
  } else {
    run.pattern = options.pattern == "random" ? compiler::InputPattern::kPseudoRandom
                                              : compiler::InputPattern::kZeros;
  }
  const compiler::HostRunResult result = compiler::run_on_host(model, run);
  const runtime::ModelView& view = model.view();
  const runtime::TensorInfo output = view.tensor(view.output_tensor());
  const auto best = std::max_element(result.output.begin(), result.output.end());
  const int argmax = static_cast<int>(best - result.output.begin());
  const char* board = "host engine (x86-64, steady clock)";

  if (options.json) {
    nlohmann::ordered_json document;
    document["model"] = model_source_path(options.model);
    document["board"] = board;
    document["output"] = result.output;
    document["output_zero_point"] = output.zero_point;
    document["output_scale"] = output.scale;
    document["argmax"] = argmax;
    document["total_us"] = result.total_seconds * kMicrosecondsPerSecond;
    nlohmann::ordered_json ops = nlohmann::json::array();
    for (size_t i = 0; i < result.op_seconds.size(); ++i) {
      ops.push_back({{"op", i},
                     {"kind", compiler::op_kind_name(view.op(static_cast<uint16_t>(i)).kind)},
                     {"us", result.op_seconds[i] * kMicrosecondsPerSecond}});
    }
    document["ops"] = ops;
    fmt::print("{}\n", document.dump(2));
    return;
  }
  fmt::print("{} on the {}, best of {} run(s)\n", model_source_path(options.model), board,
             options.runs);
  fmt::print("output ({} values, int8, zero point {}, scale {:g}):\n", result.output.size(),
             output.zero_point, output.scale);
  for (size_t i = 0; i < result.output.size(); ++i) {
    fmt::print("{:5d}{}", result.output[i], (i + 1) % 16 == 0 ? "\n" : "");
  }
  if (result.output.size() % 16 != 0) fmt::print("\n");
  fmt::print("argmax: {}\n\n{:>4}  {:<18} {:>10}\n", argmax, "op", "kind", "time (us)");
  for (size_t i = 0; i < result.op_seconds.size(); ++i) {
    fmt::print("{:>4}  {:<18} {:>10.1f}\n", i,
               compiler::op_kind_name(view.op(static_cast<uint16_t>(i)).kind),
               result.op_seconds[i] * kMicrosecondsPerSecond);
  }
  fmt::print("{:>4}  {:<18} {:>10.1f}\n", "", "total",
             result.total_seconds * kMicrosecondsPerSecond);
}

}  // namespace

void register_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand("run", "Run a .tnm model on the host engine");
  add_model_file_options(*command, options->model, "the .tnm model file");
  CLI::Option* input = command
                           ->add_option("--input", options->input_path,
                                        "raw int8 input tensor bytes (NHWC, exactly its size)")
                           ->check(CLI::ExistingFile);
  command->add_option("--pattern", options->pattern, "input without --input: zeros or random")
      ->check(CLI::IsMember({"zeros", "random"}))
      ->excludes(input)
      ->capture_default_str();
  command->add_option("--seed", options->seed, "seed of the random input pattern")
      ->capture_default_str();
  command->add_option("--runs", options->runs, "runs; per-op times are the best of them")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  command->add_flag("--json", options->json, "machine-readable output");
  command->callback([options] { run_model(*options); });
}

}  // namespace tinynas::apps
