// Cycle counts of single layers on emulated boards: the layers of issue 20's table (pointwise,
// depthwise, the first 3x3 conv, fully connected), each built as a one-op model with seeded
// random per-channel weights, run once per board through the profiler library and checked bit
// for bit against the host engine. By default the Cortex-M55 with its Helium (MVE) kernels
// against the same core and image layout with the DSP kernels:
//
//   firmware_layer_counts [--boards qemu-mps3-an547,qemu-mps3-an547-dsp] [--json FILE]
//
// Counts are SysTick under QEMU -icount shift=5 (one instruction = 32 ns of virtual time, so
// counts = instructions x clock / 31.25 MHz: 1.024 per instruction at the AN547's 32 MHz, 0.8 at
// the MPS2's 25 MHz). Never part of the test run: it boots QEMU.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "bench/one_inference.h"
#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"

namespace {

using namespace tinynas;
using compiler::OpKind;

constexpr uint32_t kWeightSeed = 1;
constexpr uint32_t kInputSeed = 1;
constexpr std::chrono::milliseconds kRunTimeout{600000};

struct Layer {
  std::string label;
  OpKind kind;
  int h, w, in_c, out_c, kernel, stride;
};

const std::vector<Layer>& issue_layers() {
  static const std::vector<Layer> layers = {
      {"pointwise 44x44x16 -> 96", OpKind::kConv2d, 44, 44, 16, 96, 1, 1},
      {"pointwise 11x11x96 -> 160", OpKind::kConv2d, 11, 11, 96, 160, 1, 1},
      {"depthwise 3x3 s1 44x44x96", OpKind::kDepthwiseConv2d, 44, 44, 96, 96, 3, 1},
      {"depthwise 3x3 s2 28x28x18", OpKind::kDepthwiseConv2d, 28, 28, 18, 18, 3, 2},
      {"depthwise 5x5 s2 44x44x96", OpKind::kDepthwiseConv2d, 44, 44, 96, 96, 5, 2},
      {"depthwise 7x7 s1 11x11x240", OpKind::kDepthwiseConv2d, 11, 11, 240, 240, 7, 1},
      {"conv 3x3 s2 176x176x3 -> 16", OpKind::kConv2d, 176, 176, 3, 16, 3, 2},
      {"fully connected 320 -> 10", OpKind::kFullyConnected, 1, 1, 320, 10, 1, 1},
      {"fully connected 1280 -> 1000", OpKind::kFullyConnected, 1, 1, 1280, 1000, 1, 1},
  };
  return layers;
}

struct BuiltLayer {
  std::vector<uint8_t> model;
  int64_t macs = 0;
};

// One op with zero padding centred on the window (kernel / 2 before, the rest after).
BuiltLayer build_layer(const Layer& layer) {
  compiler::Graph graph;
  compiler::Tensor input;
  input.name = "input";
  input.shape = {1, layer.h, layer.w, layer.in_c};
  graph.input = graph.add_tensor(input);
  const int pad = layer.kernel / 2;
  const int out_h = (layer.h + 2 * pad - layer.kernel) / layer.stride + 1;
  const int out_w = (layer.w + 2 * pad - layer.kernel) / layer.stride + 1;
  compiler::Tensor weights;
  weights.name = "op.weight";
  weights.is_constant = true;
  weights.shape = layer.kind == OpKind::kDepthwiseConv2d
                      ? compiler::TensorShape{1, layer.kernel, layer.kernel, layer.out_c}
                      : compiler::TensorShape{layer.out_c, layer.kernel, layer.kernel, layer.in_c};
  compiler::Tensor output;
  output.name = "op";
  output.shape = {1, out_h, out_w, layer.out_c};
  compiler::Op op;
  op.kind = layer.kind;
  op.name = "op";
  op.inputs = {graph.input};
  op.weights = graph.add_tensor(weights);
  op.output = graph.add_tensor(output);
  if (layer.kind != OpKind::kFullyConnected) {
    op.kernel_h = op.kernel_w = layer.kernel;
    op.stride_h = op.stride_w = layer.stride;
    op.pad_top = op.pad_left = pad;
    op.pad_bottom = std::max(0, (out_h - 1) * layer.stride + layer.kernel - layer.h - pad);
    op.pad_right = std::max(0, (out_w - 1) * layer.stride + layer.kernel - layer.w - pad);
  }
  graph.output = op.output;
  graph.add_op(op);
  compiler::fill_random_weights(graph, kWeightSeed);
  BuiltLayer built;
  built.model = compiler::write_model(graph, compiler::plan_memory(graph));
  built.macs = compiler::graph_macs(graph);
  return built;
}

int run(int argc, char** argv) {
  std::vector<std::string> boards = {"qemu-mps3-an547", "qemu-mps3-an547-dsp"};
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--boards" && i + 1 < argc) {
      boards = bench::split_list(argv[++i]);
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      return bench::usage(argv[0], "[--boards KIND,KIND...] [--json FILE]");
    }
  }
  std::vector<BuiltLayer> built;
  for (const Layer& layer : issue_layers()) built.push_back(build_layer(layer));

  nlohmann::json report = nlohmann::json::array();
  std::vector<std::vector<uint64_t>> counts(boards.size());
  std::vector<std::string> firmware;
  for (size_t b = 0; b < boards.size(); ++b) {
    profiler::QemuBoardOptions options;
    options.client.run_timeout = kRunTimeout;
    options.gdb_server = true;  // the 1.3 MB fully connected layer at memory speed
    profiler::QemuBoard board(profiler::find_board_spec(boards[b]), options);
    for (size_t i = 0; i < built.size(); ++i) {
      profiler::ProfileOptions profile = bench::one_inference(kInputSeed);
      profile.gdb_server = board.gdb_address();
      const profiler::ProfileResult r =
          profiler::profile_model(board.client(), board.info(), built[i].model, profile);
      if (!r.output_matches_host) {
        throw std::runtime_error(boards[b] + ": " + issue_layers()[i].label +
                                 " differs from the host engine");
      }
      counts[b].push_back(r.cycles);
      if (i == 0) {
        firmware.push_back(r.firmware_version + " on " + r.board + " (" + r.core + ", " +
                           r.kernel_path + " kernels)");
      }
      report.push_back({{"board", r.board},
                        {"kernel_path", r.kernel_path},
                        {"firmware_version", r.firmware_version},
                        {"layer", issue_layers()[i].label},
                        {"macs", built[i].macs},
                        {"cycles", r.cycles},
                        {"bit_exact", r.output_matches_host}});
    }
  }
  std::printf("| layer (NHWC) | MACs |");
  for (const std::string& board : boards) std::printf(" %s |", board.c_str());
  if (boards.size() == 2) std::printf(" ratio |");
  std::printf("\n|---|---|");
  for (size_t b = 0; b < boards.size() + (boards.size() == 2 ? 1 : 0); ++b) std::printf("---|");
  std::printf("\n");
  for (size_t i = 0; i < built.size(); ++i) {
    std::printf("| %s | %lld |", issue_layers()[i].label.c_str(),
                static_cast<long long>(built[i].macs));
    for (size_t b = 0; b < boards.size(); ++b) {
      std::printf(" %llu |", static_cast<unsigned long long>(counts[b][i]));
    }
    if (boards.size() == 2) {
      std::printf(" %.2f |", static_cast<double>(counts[0][i]) / static_cast<double>(counts[1][i]));
    }
    std::printf("\n");
  }
  std::printf("\nbit-exact with the host engine on every layer; weights seed %u, input seed %u\n",
              kWeightSeed, kInputSeed);
  for (const std::string& f : firmware) std::printf("firmware %s\n", f.c_str());
  bench::write_json_report(json_path, report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tinynas::bench::run_bench("firmware_layer_counts", run, argc, argv);
}
