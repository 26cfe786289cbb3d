// Training images/s on the board (issue 22, "a benchmark of training images/s"): for each net and
// update scheme, the training model `tinynas finetune` builds (weights seeded as `tinynas compile
// --random-weights` does, seed 1) is loaded into the runner on qemu-mps2-an386 and stepped on
// seeded pseudo-random samples; every step's loss is checked bit for bit against the host's
// TrainingExecutor. Prints
//
//   net | scheme | trained layers | cycles/step | images/s at the board clock | arena measured /
//   planned
//
// with the board, its firmware version and the commit the firmware was built from. Cycles are
// the board's SysTick under QEMU -icount: deterministic (they do not depend on the machine's
// load), not silicon timings.
//
//   board_training [--board KIND] [--nets sample,mcunet-in3] [--steps N] [--json FILE]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/host_runner.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/update_scheme.h"
#include "finetune/board_trainer.h"
#include "finetune/host_trainer.h"
#include "finetune/model_update.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"

namespace {

using namespace tinynas;

constexpr uint32_t kWeightSeed = 1;
constexpr float kLearningRate = 0.01f;
constexpr const char* kUsage = "[--board KIND] [--nets sample,mbv2-r28] [--steps N] [--json FILE]";

struct Net {
  std::string key;   // --nets name
  std::string file;  // tinynas-arch/1 in configs/nets/
};

const std::vector<Net>& nets() {
  static const std::vector<Net> all = {{"sample", "sample-fmnist.arch.json"},
                                       {"mbv2-r28", "mobilenetv2-w0.2-r28.arch.json"}};
  return all;
}

// The last trained-weights layers: the classifier and the layer before it, with every bias.
compiler::UpdateScheme last_two_layers(const compiler::Graph& graph) {
  compiler::UpdateScheme scheme = compiler::bias_only_scheme(graph);
  scheme.layers[scheme.layers.size() - 1].weight_eighths = compiler::kRatioDenominator;
  scheme.layers[scheme.layers.size() - 2].weight_eighths = compiler::kRatioDenominator;
  return scheme;
}

struct Scheme {
  std::string name;
  compiler::UpdateScheme (*make)(const compiler::Graph&);
};

const std::vector<Scheme>& schemes() {
  static const std::vector<Scheme> all = {{"classifier-bias", compiler::classifier_bias_scheme},
                                          {"bias-only", compiler::bias_only_scheme},
                                          {"biases+last-2-weights", last_two_layers}};
  return all;
}

// A .tnm names its ops by their index in the file ("op7"), the graph's order (plain schedule).
std::string file_name(const compiler::Graph& graph, const std::string& graph_name) {
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    if (graph.ops[i].name == graph_name) return "op" + std::to_string(i);
  }
  throw std::invalid_argument("no op " + graph_name);
}

uint32_t bits(float value) {
  uint32_t word;
  std::memcpy(&word, &value, sizeof(word));
  return word;
}

// The commit in a firmware version "tinynas-runner 0.1.0 (<git describe>)".
std::string commit_of(const std::string& firmware_version) {
  const auto open = firmware_version.rfind('(');
  const auto close = firmware_version.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return "unknown";
  return firmware_version.substr(open + 1, close - open - 1);
}

int run(int argc, char** argv) {
  std::string board_kind = "qemu-mps2-an386";
  std::vector<std::string> net_keys = {"sample", "mbv2-r28"};
  int steps = 4;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + ": missing value");
      return argv[++i];
    };
    if (arg == "--board") {
      board_kind = value();
    } else if (arg == "--nets") {
      net_keys = bench::split_list(value());
    } else if (arg == "--steps") {
      steps = std::stoi(value());
    } else if (arg == "--json") {
      json_path = value();
    } else {
      return bench::usage(argv[0], kUsage);
    }
  }
  if (steps < 1) throw std::invalid_argument("--steps must be at least 1");

  profiler::QemuBoard board(profiler::find_board_spec(board_kind));
  const profiler::BoardInfo& info = board.info();
  std::printf("board %s (%s, %.0f MHz), firmware \"%s\", commit %s; %d steps per row\n",
              info.board.c_str(), info.core.c_str(), info.clock_hz / 1e6,
              info.firmware_version.c_str(), commit_of(info.firmware_version).c_str(), steps);
  std::printf("%-18s %-22s %7s %13s %10s %17s %9s\n", "net", "scheme", "layers", "cycles/step",
              "images/s", "arena meas/plan", "bit-exact");
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& key : net_keys) {
    const Net& net = bench::find_key(nets(), key, "--nets", "net");
    const compiler::NetworkSpec spec =
        compiler::load_arch_file(std::string(TINYNAS_BENCH_NETS_DIR) + "/" + net.file);
    compiler::BuildOptions build;
    build.seed = kWeightSeed;
    const compiler::Graph graph = compiler::build_graph(spec, build);
    const compiler::LoadedModel model(compiler::write_model(graph, compiler::plan_memory(graph)),
                                      spec.name);
    for (const Scheme& scheme : schemes()) {
      compiler::UpdateScheme update = scheme.make(graph);
      for (compiler::LayerUpdate& layer : update.layers) layer.name = file_name(graph, layer.name);
      const compiler::LoadedModel training = finetune::training_model(model, update, kLearningRate);
      const runtime::ModelView& view = training.view();
      const uint32_t input_bytes = view.tensor(view.input_tensor()).size_bytes;
      const int classes = static_cast<int>(view.tensor(view.output_tensor()).size_bytes);
      finetune::HostTrainer host;
      finetune::BoardTrainer on_board(board.client(), info);
      host.start(training);
      on_board.start(training);
      uint64_t cycles = 0;
      uint32_t arena = 0;
      bool exact = true;
      for (int step = 0; step < steps; ++step) {
        std::vector<int8_t> input(input_bytes);
        compiler::fill_pseudo_random(input.data(), input_bytes, static_cast<uint32_t>(step + 1));
        const int label = step % classes;
        const finetune::StepResult expected = host.step(input, label);
        const finetune::StepResult found = on_board.step(input, label);
        exact = exact && bits(expected.loss) == bits(found.loss);
        cycles += found.cycles.value_or(0);
        arena = std::max(arena, found.arena_bytes_used);
      }
      const std::vector<finetune::LayerParameters> host_parameters = host.parameters();
      const std::vector<finetune::LayerParameters> board_parameters = on_board.parameters();
      for (std::size_t k = 0; k < host_parameters.size(); ++k) {
        exact = exact && host_parameters[k].weights == board_parameters[k].weights &&
                host_parameters[k].bias == board_parameters[k].bias;
      }
      const double per_step = static_cast<double>(cycles) / steps;
      const double images_per_second = info.clock_hz / per_step;
      std::printf("%-18s %-22s %7zu %13.0f %10.2f %8u / %-6u %9s\n", spec.name.c_str(),
                  scheme.name.c_str(), update.layers.size(), per_step, images_per_second, arena,
                  view.arena_size(), exact ? "yes" : "NO");
      std::fflush(stdout);
      rows.push_back({{"net", spec.name},
                      {"scheme", scheme.name},
                      {"trained_layers", update.layers.size()},
                      {"cycles_per_step", per_step},
                      {"images_per_second", images_per_second},
                      {"arena_measured", arena},
                      {"arena_planned", view.arena_size()},
                      {"bit_exact", exact}});
    }
  }
  bench::write_json_report(json_path, {{"board", info.board},
                                       {"firmware", info.firmware_version},
                                       {"commit", commit_of(info.firmware_version)},
                                       {"clock_hz", info.clock_hz},
                                       {"steps", steps},
                                       {"rows", rows}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tinynas::bench::run_bench("board_training", run, argc, argv);
}
