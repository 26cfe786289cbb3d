// MACs per cycle of the firmware runner on the emulated Cortex-M4 board, DSP kernels vs plain
// kernels (issue 3, "What it must show"). For each network: build the int8 model the way
// `tinynas compile --random-weights` does (seed 1, in-place depthwise planning on), run it once
// on qemu-mps2-an386 (DSP image) and on qemu-mps2-an386-plain (the runtime's plain kernels) through
// the profiler library, check the output against the host engine, and print
//
//   net | board | firmware | MACs | cycles | MACs/cycle | DSP/plain | bit-exact
//
// plus a per-op-kind breakdown (pointwise, depthwise, in-place depthwise, ...). Then single layers
// (issue 20's shapes, each a one-op model with seeded random weights and per-channel
// requantization) on the DSP image, next to the instruction counts CMSIS-NN took for the same
// shape in the measurement. Cycles are SysTick counts under QEMU -icount
// (instruction-count based and deterministic, not a silicon timing); a layer's figure is its op's
// count in the runner's per-op table.
//
// Then single layers against CMSIS-NN (issue 20): each layer as a one-op model (seeded random
// int8 weights, per-channel requantization, TFLite SAME padding), its op's cycles on the DSP image
// beside the CMSIS-NN count the issue measured for the same layer, output checked bit-exact.
//
//   firmware_macs_per_cycle [--nets in3,pointwise,depthwise|none]
//                           [--layers depthwise,conv,KEY...|none] [--json FILE]
//                           [--boards FAST,BASELINE] [--schedule S] [--dsp-only]
//
// --schedule plans the nets with another schedule (plain, fused, streamed, patch, auto; default
// plain), --dsp-only skips the plain-kernel image.
//
// --boards compares two other images on the nets the same way, e.g.
// qemu-mps3-an547,qemu-mps3-an547-dsp (Cortex-M55: MVE kernels against DSP kernels); the columns
// keep their dsp / plain names. The layer rows stay on qemu-mps2-an386, CMSIS-NN's board.
//
// Never part of the test run: it boots QEMU and runs ~80 M MACs per image on the MCUNet net.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "bench/one_inference.h"
#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/layer_graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"

#ifndef TINYNAS_BENCH_NETS_DIR
#define TINYNAS_BENCH_NETS_DIR "configs/nets"
#endif

namespace {

using namespace tinynas;

constexpr char kDspBoard[] = "qemu-mps2-an386";
constexpr char kPlainBoard[] = "qemu-mps2-an386-plain";
constexpr uint32_t kWeightSeed = 1;
constexpr uint32_t kInputSeed = 1;
// The MCUNet net takes ~20 s of emulation per image; leave a wide margin.
constexpr std::chrono::milliseconds kRunTimeout{600000};

struct NetSource {
  std::string key;  // --nets name
  std::string label;
  std::string path;
  bool net_config;  // MCUNet / once-for-all net.config, else tinynas-arch/1
};

const std::vector<NetSource>& net_sources() {
  static const std::vector<NetSource> sources = {
      {"in3", "mcunet-in3", std::string(TINYNAS_BENCH_NETS_DIR) + "/mcunet-in3.json", true},
      {"pointwise", "pointwise-heavy",
       std::string(TINYNAS_BENCH_NETS_DIR) + "/pointwise-heavy.arch.json", false},
      {"depthwise", "depthwise-heavy",
       std::string(TINYNAS_BENCH_NETS_DIR) + "/depthwise-heavy.arch.json", false},
  };
  return sources;
}

// What the per-op breakdown groups by: the kernel that runs the op on the board.
std::string op_class(const compiler::Graph& graph, const compiler::MemoryPlan& plan, size_t i) {
  const compiler::Op& op = graph.ops[i];
  switch (op.kind) {
    case compiler::OpKind::kConv2d:
      return op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 && op.stride_w == 1
                 ? "pointwise"
                 : "conv2d";
    case compiler::OpKind::kDepthwiseConv2d:
      return plan.in_place[i] ? "depthwise (in place)" : "depthwise";
    case compiler::OpKind::kFullyConnected:
      return "fully_connected";
    case compiler::OpKind::kAdd:
      return "add";
    case compiler::OpKind::kAveragePool2d:
    case compiler::OpKind::kGlobalAveragePool:
    case compiler::OpKind::kMaxPool2d:
      return "pool";
    default:
      return "other";
  }
}

struct BuiltNet {
  NetSource source;
  compiler::Graph graph;
  compiler::MemoryPlan plan;
  std::vector<uint8_t> model;
  int64_t macs = 0;
};

BuiltNet build_net(const NetSource& source, const compiler::PlannerOptions& planner) {
  BuiltNet net;
  net.source = source;
  const compiler::NetworkSpec spec = source.net_config ? compiler::load_net_config(source.path)
                                                       : compiler::load_arch_file(source.path);
  compiler::BuildOptions build;
  build.seed = kWeightSeed;
  net.graph = compiler::build_graph(spec, build);
  net.plan = compiler::plan_memory(net.graph, planner);
  net.model = compiler::write_model(net.graph, net.plan);
  net.macs = compiler::graph_macs(net.graph);
  return net;
}

// Refuses a model the board cannot hold, naming what does not fit.
void check_fits(const BuiltNet& net, const profiler::BoardSpec& board) {
  if (net.model.size() > board.model_region_bytes) {
    throw std::runtime_error(net.source.label + ": model of " + std::to_string(net.model.size()) +
                             " bytes does not fit the model region of " + board.kind + " (" +
                             std::to_string(board.model_region_bytes) + " bytes)");
  }
  if (board.arena_capacity_bytes != 0 &&
      net.plan.arena_bytes > static_cast<int64_t>(board.arena_capacity_bytes)) {
    throw std::runtime_error(net.source.label + ": planned arena of " +
                             std::to_string(net.plan.arena_bytes) + " bytes exceeds " + board.kind +
                             "'s " + std::to_string(board.arena_capacity_bytes));
  }
}

// One inference of each model on one booted board (per-op counts, output checked on the host).
std::vector<profiler::ProfileResult> profile_on(const std::string& board_kind,
                                                const std::vector<std::vector<uint8_t>>& models) {
  const profiler::BoardSpec spec = profiler::find_board_spec(board_kind);
  profiler::QemuBoardOptions options;
  options.client.run_timeout = kRunTimeout;
  profiler::QemuBoard board(spec, options);
  const profiler::ProfileOptions profile = bench::one_inference(kInputSeed);
  std::vector<profiler::ProfileResult> results;
  for (const std::vector<uint8_t>& model : models) {
    results.push_back(profiler::profile_model(board.client(), board.info(), model, profile));
  }
  return results;
}

struct KindFigures {
  int64_t macs = 0;
  uint64_t cycles = 0;
};

struct Measurement {
  profiler::ProfileResult result;
  std::map<std::string, KindFigures> per_kind;
};

Measurement measure(const BuiltNet& net, const std::string& board_kind) {
  const profiler::BoardSpec spec = profiler::find_board_spec(board_kind);
  check_fits(net, spec);
  Measurement m;
  m.result = profile_on(board_kind, {net.model}).front();
  if (m.result.per_op_cycles.size() != net.graph.ops.size()) {
    throw std::runtime_error(board_kind + ": " + std::to_string(m.result.per_op_cycles.size()) +
                             " per-op cycle counts for " + std::to_string(net.graph.ops.size()) +
                             " ops");
  }
  for (size_t i = 0; i < net.graph.ops.size(); ++i) {
    KindFigures& k = m.per_kind[op_class(net.graph, net.plan, i)];
    k.macs += compiler::op_macs(net.graph, net.graph.ops[i]);
    k.cycles += m.result.per_op_cycles[i];
  }
  return m;
}

double ratio(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

// A comma-separated list; "none" is the empty one.
std::vector<std::string> split(const std::string& list) {
  if (list == "none") return {};
  return bench::split_list(list);
}

// ---- single layers: depthwise (issue 20) ----

// One layer and what CMSIS-NN took for it.
struct LayerRow {
  std::string label;
  compiler::OpKind kind;
  int h, w, in_c, out_c, kernel, stride;
  std::string cmsis_function;
  uint64_t cmsis_counts;
};

// CMSIS-NN v7.0 counts from the measurement (issue 20: qemu-mps2-an386, SysTick under
// -icount shift=5, its best of the runner's flags and -O3/-Ofast).
constexpr uint64_t kCmsisNnDepthwise3x3S1_44x44x96 = 10820180;
constexpr uint64_t kCmsisNnDepthwise3x3S2_28x28x18 = 228614;
constexpr uint64_t kCmsisNnDepthwise5x5S2_44x44x96 = 8717822;
constexpr uint64_t kCmsisNnDepthwise7x7S1_11x11x240 = 8925744;

const std::vector<LayerRow>& depthwise_layers() {
  static const std::vector<LayerRow> rows = {
      {"depthwise 3x3 s1 44x44x96", compiler::OpKind::kDepthwiseConv2d, 44, 44, 96, 96, 3, 1,
       "depthwise_conv_3x3_s8", kCmsisNnDepthwise3x3S1_44x44x96},
      {"depthwise 3x3 s2 28x28x18", compiler::OpKind::kDepthwiseConv2d, 28, 28, 18, 18, 3, 2,
       "depthwise_conv_3x3_s8", kCmsisNnDepthwise3x3S2_28x28x18},
      {"depthwise 5x5 s2 44x44x96", compiler::OpKind::kDepthwiseConv2d, 44, 44, 96, 96, 5, 2,
       "depthwise_conv_s8_opt", kCmsisNnDepthwise5x5S2_44x44x96},
      {"depthwise 7x7 s1 11x11x240", compiler::OpKind::kDepthwiseConv2d, 11, 11, 240, 240, 7, 1,
       "depthwise_conv_s8_opt", kCmsisNnDepthwise7x7S1_11x11x240},
  };
  return rows;
}

// The layer as a one-op model with TFLite's SAME padding.
BuiltNet build_layer(const LayerRow& layer) {
  const compiler::SamePadding rows =
      compiler::tflite_same_padding(layer.h, layer.kernel, layer.stride);
  const compiler::SamePadding cols =
      compiler::tflite_same_padding(layer.w, layer.kernel, layer.stride);
  const compiler::LayerSpec spec{
      layer.kind,   layer.h,      layer.w,     layer.in_c,  layer.out_c, layer.kernel, layer.kernel,
      layer.stride, layer.stride, rows.before, cols.before, rows.after,  cols.after};
  compiler::Graph graph = compiler::layer_graph(spec);
  compiler::fill_random_weights(graph, kWeightSeed);
  BuiltNet net;
  net.source = NetSource{layer.label, layer.label, "", false};
  net.plan = compiler::plan_memory(graph, compiler::PlannerOptions{});
  net.model = compiler::write_model(graph, net.plan);
  net.macs = compiler::graph_macs(graph);
  net.graph = std::move(graph);
  return net;
}

void measure_depthwise_layers(const std::vector<LayerRow>& layers, nlohmann::json& report) {
  std::printf("\n%-28s %10s %-24s %12s %12s %6s %9s\n", "layer (NHWC)", "MACs", "CMSIS-NN function",
              "CMSIS-NN", "tinynas DSP", "ratio", "bit-exact");
  for (const LayerRow& layer : layers) {
    const BuiltNet net = build_layer(layer);
    const Measurement dsp = measure(net, kDspBoard);
    const uint64_t counts = dsp.result.per_op_cycles.at(0);
    const double vs_cmsis =
        ratio(static_cast<double>(counts), static_cast<double>(layer.cmsis_counts));
    std::printf("%-28s %10lld %-24s %12llu %12llu %6.2f %9s\n", layer.label.c_str(),
                static_cast<long long>(net.macs), layer.cmsis_function.c_str(),
                static_cast<unsigned long long>(layer.cmsis_counts),
                static_cast<unsigned long long>(counts), vs_cmsis,
                dsp.result.output_matches_host ? "yes" : "NO");
    report.push_back({{"layer", layer.label},
                      {"macs", net.macs},
                      {"board", dsp.result.board},
                      {"firmware", dsp.result.firmware_version},
                      {"cycles", counts},
                      {"cmsis_nn_function", layer.cmsis_function},
                      {"cmsis_nn_cycles", layer.cmsis_counts},
                      {"ratio_vs_cmsis_nn", vs_cmsis},
                      {"bit_exact", dsp.result.output_matches_host}});
    std::fflush(stdout);
  }
}

// ---- single layers: pointwise, general conv, fully connected (issue 20) ----

// One layer as a one-op model, with what CMSIS-NN took for the same shape.
struct LayerSource {
  std::string key;  // --layers name
  std::string label;
  std::string cmsis_function;
  // CMSIS-NN v7.0 counts from the measurement (issue 20: the same QEMU board and timer,
  // CMSIS-NN built with the runner's flags and at -O3/-Ofast, its best shown); not re-measured.
  int64_t cmsis_counts;
  compiler::Graph (*build)();
};

// k x k convolution, stride s, padding k / 2 on every side (the MCUNet first conv's window).
compiler::Graph conv_graph(int h, int w, int in_c, int out_c, int k, int s) {
  const compiler::LayerSpec spec{
      compiler::OpKind::kConv2d,   h, w, in_c, out_c, k, k, s, s, k / 2, k / 2, k / 2, k / 2,
      compiler::Activation::kRelu6};
  compiler::Graph graph = compiler::layer_graph(spec);
  compiler::fill_random_weights(graph, kWeightSeed);
  return graph;
}

// depth -> outputs, the input as a 1 x 1 x depth tensor.
compiler::Graph fully_connected_graph(int depth, int outputs) {
  compiler::LayerSpec spec;
  spec.kind = compiler::OpKind::kFullyConnected;
  spec.in_c = depth;
  spec.out_c = outputs;
  compiler::Graph graph = compiler::layer_graph(spec);
  compiler::fill_random_weights(graph, kWeightSeed);
  return graph;
}

const std::vector<LayerSource>& layer_sources() {
  static const std::vector<LayerSource> sources = {
      {"pw-44x44x16-96", "pointwise 44x44x16 -> 96", "convolve_1x1_s8_fast", 9410894,
       [] { return conv_graph(44, 44, 16, 96, 1, 1); }},
      {"pw-11x11x96-160", "pointwise 11x11x96 -> 160", "convolve_1x1_s8_fast", 2788776,
       [] { return conv_graph(11, 11, 96, 160, 1, 1); }},
      {"conv3x3s2-176x176x3-16", "conv 3x3 s2 176x176x3 -> 16", "convolve_s8", 12756437,
       [] { return conv_graph(176, 176, 3, 16, 3, 2); }},
      {"fc-320-10", "fully connected 320 -> 10", "fully_connected_per_channel_s8", 5414,
       [] { return fully_connected_graph(320, 10); }},
      {"fc-1280-1000", "fully connected 1280 -> 1000", "fully_connected_per_channel_s8", 1966154,
       [] { return fully_connected_graph(1280, 1000); }},
  };
  return sources;
}

struct LayerMeasurement {
  const LayerSource* source;
  int64_t macs = 0;
  uint32_t dsp_counts = 0;
  uint32_t plain_counts = 0;
  bool bit_exact = false;
  std::string firmware;
};

std::vector<LayerMeasurement> measure_layers(const std::vector<const LayerSource*>& sources) {
  std::vector<std::vector<uint8_t>> models;
  std::vector<LayerMeasurement> rows;
  for (const LayerSource* source : sources) {
    const compiler::Graph graph = source->build();
    models.push_back(compiler::write_model(graph, compiler::plan_memory(graph)));
    LayerMeasurement row;
    row.source = source;
    row.macs = compiler::graph_macs(graph);
    rows.push_back(row);
  }
  const std::vector<profiler::ProfileResult> dsp = profile_on(kDspBoard, models);
  const std::vector<profiler::ProfileResult> plain = profile_on(kPlainBoard, models);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].dsp_counts = dsp[i].per_op_cycles.at(0);
    rows[i].plain_counts = plain[i].per_op_cycles.at(0);
    rows[i].bit_exact = dsp[i].output_matches_host && plain[i].output_matches_host;
    rows[i].firmware = dsp[i].firmware_version;
  }
  return rows;
}

void print_layers(const std::vector<LayerMeasurement>& rows, nlohmann::json& report) {
  std::printf("\n%-30s %10s %-31s %12s %12s %6s %12s %9s\n", "layer (NHWC)", "MACs",
              "CMSIS-NN function", "CMSIS-NN", "tinynas DSP", "ratio", "plain", "bit-exact");
  for (const LayerMeasurement& row : rows) {
    const double r =
        ratio(static_cast<double>(row.dsp_counts), static_cast<double>(row.source->cmsis_counts));
    std::printf("%-30s %10lld %-31s %12lld %12u %6.2f %12u %9s\n", row.source->label.c_str(),
                static_cast<long long>(row.macs), row.source->cmsis_function.c_str(),
                static_cast<long long>(row.source->cmsis_counts), row.dsp_counts, r,
                row.plain_counts, row.bit_exact ? "yes" : "NO");
    report.push_back({{"layer", row.source->label},
                      {"macs", row.macs},
                      {"cmsis_nn_function", row.source->cmsis_function},
                      {"cmsis_nn_counts_from_issue_20", row.source->cmsis_counts},
                      {"dsp_counts", row.dsp_counts},
                      {"plain_counts", row.plain_counts},
                      {"ratio_to_cmsis_nn", r},
                      {"bit_exact", row.bit_exact},
                      {"firmware", row.firmware},
                      {"board", kDspBoard}});
  }
  std::printf(
      "CMSIS-NN: v7.0 counts from issue 20's measurement (same board and timer), not "
      "re-measured; tinynas: the layer op's SysTick count on %s, one inference\n",
      kDspBoard);
}

int run(int argc, char** argv) {
  std::vector<std::string> wanted = {"in3", "pointwise", "depthwise"};
  bool depthwise_set = true;
  std::vector<const LayerSource*> layers;
  for (const LayerSource& source : layer_sources()) layers.push_back(&source);
  std::string json_path;
  std::string dsp_board = kDspBoard;
  std::string plain_board = kPlainBoard;
  compiler::PlannerOptions planner;
  bool dsp_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--nets" && i + 1 < argc) {
      wanted = split(argv[++i]);
    } else if (arg == "--layers" && i + 1 < argc) {
      layers.clear();
      depthwise_set = false;
      for (const std::string& key : split(argv[++i])) {
        if (key == "depthwise") {
          depthwise_set = true;
          continue;
        }
        if (key == "conv") {
          for (const LayerSource& source : layer_sources()) layers.push_back(&source);
          continue;
        }
        layers.push_back(&bench::find_key(layer_sources(), key, "--layers", "layer or set"));
      }
    } else if (arg == "--schedule" && i + 1 < argc) {
      planner.schedule = compiler::parse_schedule(argv[++i]);
    } else if (arg == "--dsp-only") {
      dsp_only = true;
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (arg == "--boards" && i + 1 < argc && split(argv[i + 1]).size() == 2) {
      const std::vector<std::string> boards = split(argv[++i]);
      dsp_board = boards[0];
      plain_board = boards[1];
    } else {
      return bench::usage(
          argv[0],
          "[--nets in3,pointwise,depthwise|none] "
          "[--layers depthwise,conv,KEY...|none] [--json FILE] [--boards FAST,BASELINE] "
          "[--schedule S] [--dsp-only]");
    }
  }

  nlohmann::json report = nlohmann::json::array();
  std::printf("%-16s %-22s %-6s %12s %12s %10s %9s %9s\n", "net", "board", "image", "MACs",
              "cycles", "MACs/cyc", "DSP/plain", "bit-exact");
  std::vector<std::string> notes;
  for (const std::string& key : wanted) {
    const NetSource* source = &bench::find_key(net_sources(), key, "--nets", "net");
    const BuiltNet net = build_net(*source, planner);
    const Measurement dsp = measure(net, dsp_board);
    const Measurement plain = dsp_only ? dsp : measure(net, plain_board);
    const double speedup =
        ratio(static_cast<double>(plain.result.cycles), static_cast<double>(dsp.result.cycles));
    for (const Measurement* m : {&plain, &dsp}) {
      const profiler::ProfileResult& r = m->result;
      std::printf("%-16s %-22s %-6s %12lld %12llu %10.4f %9s %9s\n", source->label.c_str(),
                  r.board.c_str(), r.kernel_path.c_str(), static_cast<long long>(net.macs),
                  static_cast<unsigned long long>(r.cycles),
                  ratio(static_cast<double>(net.macs), static_cast<double>(r.cycles)),
                  m == &dsp ? (std::to_string(speedup).substr(0, 5) + "x").c_str() : "",
                  r.output_matches_host ? "yes" : "NO");
      nlohmann::json row = profiler::to_json(r);
      row.erase("per_op_cycles");
      row["net"] = source->label;
      row["net_file"] = source->path;
      row["macs"] = net.macs;
      row["macs_per_cycle"] = ratio(static_cast<double>(net.macs), static_cast<double>(r.cycles));
      if (m == &dsp) row["speedup_vs_plain"] = speedup;
      for (const auto& [kind, figures] : m->per_kind) {
        row["per_kind"][kind] = {{"macs", figures.macs}, {"cycles", figures.cycles}};
      }
      report.push_back(row);
    }
    for (const auto& [kind, figures] : dsp.per_kind) {
      const KindFigures& base = plain.per_kind.at(kind);
      std::printf(
          "  %-30s %12lld MACs  plain %11llu cyc (%7.4f MAC/cyc)  dsp %11llu cyc "
          "(%7.4f MAC/cyc)  %5.2fx\n",
          kind.c_str(), static_cast<long long>(figures.macs),
          static_cast<unsigned long long>(base.cycles),
          ratio(static_cast<double>(base.macs), static_cast<double>(base.cycles)),
          static_cast<unsigned long long>(figures.cycles),
          ratio(static_cast<double>(figures.macs), static_cast<double>(figures.cycles)),
          ratio(static_cast<double>(base.cycles), static_cast<double>(figures.cycles)));
    }
    notes.push_back(source->label + ": " + std::to_string(net.model.size()) + " B model, " +
                    std::to_string(net.plan.arena_bytes) + " B arena + " +
                    std::to_string(net.plan.scratch_bytes) + " B scratch planned, " +
                    std::to_string(dsp.result.stack_bytes) + " / " +
                    std::to_string(plain.result.stack_bytes) + " B stack (dsp / plain)");
    if (notes.size() == 1) {
      notes.push_back("firmware dsp:   " + dsp.result.firmware_version + " on " + dsp.result.board +
                      " (" + dsp.result.core + ", " + dsp.result.timer + ")");
      notes.push_back("firmware plain: " + plain.result.firmware_version + " on " +
                      plain.result.board + " (" + plain.result.core + ", " + plain.result.timer +
                      ")");
    }
    std::fflush(stdout);
  }
  std::printf(
      "\ncycles: SysTick under QEMU -icount (instruction-count based), one inference, "
      "pseudo-random input (seed %u), weights seed %u\n",
      kInputSeed, kWeightSeed);
  for (const std::string& note : notes) std::printf("%s\n", note.c_str());
  if (depthwise_set) measure_depthwise_layers(depthwise_layers(), report);
  if (!layers.empty()) print_layers(measure_layers(layers), report);
  bench::write_json_report(json_path, report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tinynas::bench::run_bench("firmware_macs_per_cycle", run, argc, argv);
}
