// The four MLPerf Tiny shapes (tflite/mlperf_tiny_shapes.h) as imported .tflite models: per
// model, peak SRAM under each schedule next to TF-Lite Micro's greedy planner on the same
// tensors, flash (the .tnm file), and cycles under the plain and auto schedules on qemu-mps2-an386
// (SysTick under QEMU -icount: instruction-count based and deterministic, not a silicon timing),
// each run checked bit-exact against the host engine. Prints a Markdown table (the README's "TFLite
// models" section).
//
//   tflite_models_bench [--write DIR]   (--write: also save the .tflite files there)
//
// Never part of the test run: it boots QEMU and runs every model under two schedules.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/one_inference.h"
#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/tflm_greedy_estimate.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"
#include "tflite/mlperf_tiny_shapes.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite_convert/tflite_import.h"

namespace {

using namespace tinynas;

constexpr char kBoard[] = "qemu-mps2-an386";
constexpr uint32_t kInputSeed = 1;
constexpr std::chrono::milliseconds kRunTimeout{600000};
constexpr double kKiB = 1024.0;

const compiler::Schedule kSchedules[] = {compiler::Schedule::kPlain, compiler::Schedule::kFused,
                                         compiler::Schedule::kPatch, compiler::Schedule::kAuto};

std::string kib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", static_cast<double>(bytes) / kKiB);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::string write_dir;
  if (argc == 3 && std::string(argv[1]) == "--write") write_dir = argv[2];
  try {
    const profiler::BoardSpec spec = profiler::find_board_spec(kBoard);
    profiler::QemuBoardOptions board_options;
    board_options.client.run_timeout = kRunTimeout;
    profiler::QemuBoard board(spec, board_options);
    std::printf(
        "| model | MACs | peak SRAM KiB plain / fused / patch / auto | TFLM greedy arena KiB | "
        "flash KiB (auto) | cycles plain / auto | bit-exact |\n|---|---|---|---|---|---|---|\n");
    std::string firmware;
    for (const tflite::NamedModel& shaped : tflite::mlperf_tiny_shapes()) {
      const std::vector<uint8_t> file = tflite::write_model(shaped.model);
      if (!write_dir.empty()) {
        std::filesystem::create_directories(write_dir);
        tflite::write_model_file(write_dir + "/" + shaped.name + ".tflite", shaped.model);
      }
      const compiler::Graph graph = tflite_convert::import_tflite(tflite::read_model(file));
      std::string peaks;
      std::vector<uint8_t> plain_model;
      std::vector<uint8_t> auto_model;
      for (const compiler::Schedule schedule : kSchedules) {
        compiler::PlannerOptions options;
        options.schedule = schedule;
        std::string cell = "n/a";
        try {
          const compiler::MemoryPlan plan = compiler::plan_memory(graph, options);
          cell = kib(plan.peak_sram_bytes());
          if (schedule == compiler::Schedule::kPlain) {
            plain_model = compiler::write_model(graph, plan);
          }
          if (schedule == compiler::Schedule::kAuto)
            auto_model = compiler::write_model(graph, plan);
        } catch (const std::invalid_argument&) {
          // No patch stage for this network (it does not start with a convolution).
        }
        peaks += (peaks.empty() ? "" : " / ") + cell;
      }
      const int64_t tflm = compiler::tflm_greedy_arena_bytes(
          compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "bench"));
      const profiler::ProfileOptions profile = bench::one_inference(kInputSeed);
      const profiler::ProfileResult plain =
          profiler::profile_model(board.client(), board.info(), plain_model, profile);
      const profiler::ProfileResult result =
          profiler::profile_model(board.client(), board.info(), auto_model, profile);
      firmware = result.firmware_version;
      std::printf("| %s | %lld | %s | %s | %s | %llu / %llu | %s |\n", shaped.name.c_str(),
                  static_cast<long long>(compiler::graph_macs(graph)), peaks.c_str(),
                  kib(tflm).c_str(), kib(static_cast<int64_t>(auto_model.size())).c_str(),
                  static_cast<unsigned long long>(plain.cycles),
                  static_cast<unsigned long long>(result.cycles),
                  plain.output_matches_host && result.output_matches_host ? "yes" : "NO");
    }
    std::printf("\nboard %s, firmware %s; cycles: SysTick under QEMU -icount\n", kBoard,
                firmware.c_str());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tflite_models_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
