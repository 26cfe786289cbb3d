// Cycles per inference on each emulated board kind (issue 20, "a per-board table"): for each
// network, the int8 model built the way `tinynas compile --random-weights` does (seed 1, plain
// schedule, in-place depthwise planning on) runs once on every board it fits, through the
// profiler library, its output checked against the host engine. Prints
//
//   net | board | core | kernels | MACs | cycles | MACs/cycle | bit-exact
//
// and names what does not fit (model region, arena or scratch capacity of the board file).
// Cycles are the board's own counter under QEMU -icount (deterministic; SysTick on the Arm
// boards, mcycle on the RISC-V board, where it counts instructions): not silicon timings.
//
//   board_cycles [--boards K1,K2,...] [--nets in3,pointwise,depthwise] [--json FILE]
//
// Never part of the test run: it boots QEMU and runs ~80 M MACs per board on the MCUNet net.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "bench/one_inference.h"
#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"

namespace {

using namespace tinynas;

constexpr uint32_t kWeightSeed = 1;
constexpr uint32_t kInputSeed = 1;
// The MCUNet net takes up to a few minutes of emulation on the plain-kernel boards.
constexpr std::chrono::milliseconds kRunTimeout{1200000};

struct Net {
  std::string key;   // --nets name
  std::string file;  // in configs/nets/
  bool net_config;   // MCUNet / once-for-all net.config, else tinynas-arch/1
};

const std::vector<Net>& nets() {
  static const std::vector<Net> all = {{"in3", "mcunet-in3.json", true},
                                       {"pointwise", "pointwise-heavy.arch.json", false},
                                       {"depthwise", "depthwise-heavy.arch.json", false}};
  return all;
}

struct BuiltNet {
  std::string name;
  compiler::MemoryPlan plan;
  std::vector<uint8_t> model;
  int64_t macs = 0;
};

BuiltNet build(const Net& net) {
  const std::string path = std::string(TINYNAS_BENCH_NETS_DIR) + "/" + net.file;
  const compiler::NetworkSpec spec =
      net.net_config ? compiler::load_net_config(path) : compiler::load_arch_file(path);
  compiler::BuildOptions options;
  options.seed = kWeightSeed;
  const compiler::Graph graph = compiler::build_graph(spec, options);
  BuiltNet built;
  built.name = spec.name;
  built.plan = compiler::plan_memory(graph, compiler::PlannerOptions{});
  built.model = compiler::write_model(graph, built.plan);
  built.macs = compiler::graph_macs(graph);
  return built;
}

// Why `net` cannot run on `board` (empty when it can).
std::string misfit(const BuiltNet& net, const profiler::BoardSpec& board) {
  if (net.model.size() > board.model_region_bytes) {
    return "model " + std::to_string(net.model.size()) + " B > model region " +
           std::to_string(board.model_region_bytes) + " B";
  }
  if (board.arena_capacity_bytes != 0 && net.plan.arena_bytes > board.arena_capacity_bytes) {
    return "arena " + std::to_string(net.plan.arena_bytes) + " B > " +
           std::to_string(board.arena_capacity_bytes) + " B";
  }
  if (board.scratch_capacity_bytes != 0 && net.plan.scratch_bytes > board.scratch_capacity_bytes) {
    return "scratch " + std::to_string(net.plan.scratch_bytes) + " B > " +
           std::to_string(board.scratch_capacity_bytes) + " B";
  }
  return "";
}

int run(int argc, char** argv) {
  std::vector<std::string> boards = {"qemu-mps2-an385", "qemu-mps2-an505", "qemu-riscv32-virt"};
  std::vector<std::string> wanted = {"in3", "pointwise", "depthwise"};
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--boards" && i + 1 < argc) {
      boards = bench::split_list(argv[++i]);
    } else if (arg == "--nets" && i + 1 < argc) {
      wanted = bench::split_list(argv[++i]);
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      return bench::usage(argv[0], "[--boards K1,K2] [--nets in3,pointwise,depthwise] [--json F]");
    }
  }
  nlohmann::json report = nlohmann::json::array();
  std::printf("%-16s %-20s %-11s %-7s %12s %13s %9s %9s\n", "net", "board", "core", "kernels",
              "MACs", "cycles", "MACs/cyc", "bit-exact");
  for (const std::string& key : wanted) {
    const BuiltNet built = build(bench::find_key(nets(), key, "--nets", "net"));
    for (const std::string& kind : boards) {
      const profiler::BoardSpec spec = profiler::find_board_spec(kind);
      const std::string reason = misfit(built, spec);
      if (!reason.empty()) {
        std::printf("%-16s %-20s %-11s %-7s does not fit: %s\n", built.name.c_str(), kind.c_str(),
                    spec.core.c_str(), spec.kernels.c_str(), reason.c_str());
        report.push_back({{"net", built.name}, {"board", kind}, {"does_not_fit", reason}});
        continue;
      }
      profiler::QemuBoardOptions options;
      options.client.run_timeout = kRunTimeout;
      profiler::QemuBoard board(spec, options);
      const profiler::ProfileOptions profile = bench::one_inference(kInputSeed);
      const profiler::ProfileResult r =
          profiler::profile_model(board.client(), board.info(), built.model, profile);
      const double macs_per_cycle = static_cast<double>(built.macs) / static_cast<double>(r.cycles);
      std::printf("%-16s %-20s %-11s %-7s %12lld %13llu %9.4f %9s\n", built.name.c_str(),
                  kind.c_str(), r.core.c_str(), r.kernel_path.c_str(),
                  static_cast<long long>(built.macs), static_cast<unsigned long long>(r.cycles),
                  macs_per_cycle, r.output_matches_host ? "yes" : "NO");
      std::fflush(stdout);
      nlohmann::json row = profiler::to_json(r);
      row.erase("per_op_cycles");
      row["net"] = built.name;
      row["macs"] = built.macs;
      row["macs_per_cycle"] = macs_per_cycle;
      report.push_back(row);
    }
  }
  std::printf(
      "\ncycles: each board's counter under QEMU -icount, one inference, pseudo-random "
      "input (seed %u), weights seed %u, plain schedule\n",
      kInputSeed, kWeightSeed);
  bench::write_json_report(json_path, report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return tinynas::bench::run_bench("board_cycles", run, argc, argv);
}
