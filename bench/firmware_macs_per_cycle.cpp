// MACs per cycle of the firmware runner on the emulated Cortex-M4 board, DSP kernels vs plain
// kernels (issue 3, "What it must show"). For each network: build the int8 model the way
// `tinynas compile --random-weights` does (seed 1, in-place depthwise planning on), run it once
// on qemu-mps2-an386 (DSP image) and on qemu-mps2-an386-plain (the runtime's plain kernels) through
// the profiler library, check the output against the host engine, and print
//
//   net | board | firmware | MACs | cycles | MACs/cycle | DSP/plain | bit-exact
//
// plus a per-op-kind breakdown (pointwise, depthwise, in-place depthwise, ...). Cycles are SysTick
// counts under QEMU -icount (instruction-count based and deterministic, not a silicon timing).
//
//   firmware_macs_per_cycle [--nets in3,pointwise,depthwise] [--schedule S] [--dsp-only]
//                           [--json FILE]
//
// --schedule plans the nets with another schedule (plain, fused, streamed, patch, auto; default
// plain), --dsp-only skips the plain-kernel image.
//
// Never part of the test run: it boots QEMU and runs ~80 M MACs per image on the MCUNet net.
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
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
    default:
      return "other (add, pool)";
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
  profiler::QemuBoardOptions options;
  options.client.run_timeout = kRunTimeout;
  profiler::QemuBoard board(spec, options);
  profiler::ProfileOptions profile;
  profile.runs = 1;
  profile.seed = kInputSeed;
  Measurement m;
  m.result = profiler::profile_model(board.client(), board.info(), net.model, profile);
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

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

int run(int argc, char** argv) {
  std::vector<std::string> wanted = {"in3", "pointwise", "depthwise"};
  std::string json_path;
  compiler::PlannerOptions planner;
  bool dsp_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--nets" && i + 1 < argc) {
      wanted = split(argv[++i]);
    } else if (arg == "--schedule" && i + 1 < argc) {
      planner.schedule = compiler::parse_schedule(argv[++i]);
    } else if (arg == "--dsp-only") {
      dsp_only = true;
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--nets in3,pointwise,depthwise] [--schedule S] [--dsp-only] "
                   "[--json FILE]\n",
                   argv[0]);
      return 2;
    }
  }

  nlohmann::json report = nlohmann::json::array();
  std::printf("%-16s %-22s %-6s %12s %12s %10s %9s %9s\n", "net", "board", "image", "MACs",
              "cycles", "MACs/cyc", "DSP/plain", "bit-exact");
  std::vector<std::string> notes;
  for (const std::string& key : wanted) {
    const NetSource* source = nullptr;
    for (const NetSource& s : net_sources()) {
      if (s.key == key) source = &s;
    }
    if (source == nullptr) throw std::invalid_argument("--nets: unknown net '" + key + "'");
    const BuiltNet net = build_net(*source, planner);
    const Measurement dsp = measure(net, kDspBoard);
    const Measurement plain = dsp_only ? dsp : measure(net, kPlainBoard);
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
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    if (!out) throw std::runtime_error(json_path + ": cannot write");
    out << report.dump(2) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firmware_macs_per_cycle: %s\n", e.what());
    return 1;
  }
}
