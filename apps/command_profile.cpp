// tinynas profile (MODEL.tnm | --tflite F) --board KIND [--port DEV | --farm URL] [--baud B]
// [--runs N] [--upload serial|gdb [--gdb-server ADDRESS]] [--json]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "engine/compiler/model_file.h"
#include "farm/farm_client.h"
#include "profiler/board_connection.h"
#include "profiler/interrupt_cleanup.h"
#include "profiler/profile.h"

namespace tinynas::apps {

namespace {

constexpr double kHzPerMhz = 1e6;
constexpr double kPercent = 100.0;
constexpr int kJsonIndent = 2;
constexpr double kDefaultRunTimeoutSeconds = 120.0;
constexpr double kMillisecondsPerSecond = 1000.0;

struct ProfileCommandOptions {
  ModelFileOptions model;
  std::string board;
  std::string port;
  std::string farm_url;
  std::string farm_token;  // empty: $TINYNAS_FARM_TOKEN
  int baud = 0;            // 0: the board file's
  std::string firmware_path;
  uint32_t runs = 1;
  uint32_t seed = 1;
  double run_timeout_seconds = kDefaultRunTimeoutSeconds;
  bool zeros = false;
  bool json = false;
  std::string upload = "serial";  // or "gdb": the model straight into memory over GDB
  std::string gdb_server;         // boards on a port: their probe's GDB server
};

void print_human(const profiler::ProfileResult& r, const std::string& model_path) {
  // Every figure below was measured on this board with this firmware; the tag repeats it.
  const std::string tag = fmt::format("[{} | {}]", r.board, r.firmware_version);
  fmt::print("board {} ({} @ {:g} MHz, {} kernels, {} timer) on {}\n", r.board, r.core,
             r.clock_hz / kHzPerMhz, r.kernel_path, r.timer, r.port);
  fmt::print("firmware {}\n", r.firmware_version);
  fmt::print("model {}: {} bytes, {} ops, uploaded over {}; input {}; {} run(s)\n", model_path,
             r.model_bytes, r.op_count, r.upload.empty() ? "the farm" : r.upload, r.input, r.runs);
  fmt::print("{} cycles: {} per inference ({:.3f} ms at {:g} MHz); min {} max {} over {} runs\n",
             tag, r.cycles, r.latency_ms(), r.clock_hz / kHzPerMhz, r.min_cycles, r.max_cycles,
             r.runs);
  fmt::print("{} arena: {} bytes measured, {} planned{}; scratch {} planned; stack {} bytes\n", tag,
             r.arena_bytes, r.planned_arena_bytes,
             r.arena_bytes == r.planned_arena_bytes ? " (equal)" : " (DIFFERENT)", r.scratch_bytes,
             r.stack_bytes);
  if (r.host_compared) {
    fmt::print("{} output: {} bytes, CRC-32 {:08x}; {}\n", tag, r.output_bytes, r.output_crc32,
               r.output_matches_host
                   ? "matches the host engine bit for bit"
                   : fmt::format("DIFFERS from the host engine (CRC-32 {:08x}) from byte {}",
                                 r.host_output_crc32, r.first_mismatch));
  } else {
    fmt::print("{} output: {} bytes, CRC-32 {:08x}\n", tag, r.output_bytes, r.output_crc32);
  }
  fmt::print("{} per-op cycles:\n", tag);
  fmt::print("  {:>4}  {:<20} {:>12} {:>7}\n", "op", "kind", "cycles", "share");
  for (std::size_t i = 0; i < r.per_op_cycles.size(); ++i) {
    const double share =
        r.cycles == 0 ? 0.0 : kPercent * r.per_op_cycles[i] / static_cast<double>(r.cycles);
    fmt::print("  {:>4}  {:<20} {:>12} {:>6.1f}%\n", i, i < r.op_kinds.size() ? r.op_kinds[i] : "?",
               r.per_op_cycles[i], share);
  }
}

profiler::ProfileResult profile_on_board(const ProfileCommandOptions& options,
                                         const std::vector<uint8_t>& model) {
  profiler::BoardConnectionOptions connection_options;
  if (!options.port.empty()) connection_options.port = options.port;
  if (options.baud != 0) connection_options.baud = options.baud;
  connection_options.firmware_path = options.firmware_path;
  const bool over_gdb = options.upload == "gdb";
  connection_options.emulated_gdb_server = over_gdb && options.port.empty();
  connection_options.gdb_server = options.gdb_server;
  if (over_gdb && !options.port.empty() && options.gdb_server.empty()) {
    throw std::runtime_error(
        "--upload gdb with --port needs --gdb-server (the probe's GDB server, e.g. "
        "tcp:localhost:3333 for OpenOCD or tcp:localhost:4242 for st-util)");
  }
  connection_options.client.run_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(options.run_timeout_seconds * kMillisecondsPerSecond));
  if (options.port.empty()) profiler::install_interrupt_cleanup();
  profiler::BoardConnection board(options.board, connection_options);

  profiler::ProfileOptions profile_options;
  profile_options.runs = options.runs;
  profile_options.seed = options.seed;
  profile_options.input_mode = options.zeros ? profiler::protocol::InputMode::kZeros
                                             : profiler::protocol::InputMode::kPseudoRandom;
  if (over_gdb) profile_options.gdb_server = board.gdb_address();
  return profiler::profile_model(board.client(), board.info(), model, profile_options);
}

void run_profile(const ProfileCommandOptions& options) {
  // Validated here, before a board is started or a farm is asked.
  if (options.model.model_path.empty() && options.model.tflite_path.empty()) {
    throw std::invalid_argument("profile: pass MODEL.tnm or --tflite MODEL.tflite");
  }
  const std::vector<uint8_t> model =
      options.model.tflite_path.empty()
          ? compiler::load_model_file(options.model.model_path).bytes()
          : tflite_to_model_bytes(options.model.tflite_path, compiler::PlannerOptions{});
  profiler::ProfileResult result;
  if (options.farm_url.empty()) {
    result = profile_on_board(options, model);
  } else {
    farm::FarmProfileOptions farm_options;
    farm_options.runs = options.runs;
    farm_options.token = options.farm_token;
    result = farm::profile_on_farm(options.farm_url, options.board, model, farm_options);
  }
  if (options.json) {
    nlohmann::json json = profiler::to_json(result);
    json["model"] = model_source_path(options.model);
    fmt::print("{}\n", json.dump(kJsonIndent));
  } else {
    print_human(result, model_source_path(options.model));
  }
  if (!result.output_matches_host) {
    throw std::runtime_error("board " + result.board + " (firmware " + result.firmware_version +
                             "): output differs from the host engine");
  }
}

}  // namespace

void register_profile_command(CLI::App& app) {
  auto options = std::make_shared<ProfileCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "profile",
      "Run a model on a board (an emulated one is launched unless --port is given) and report "
      "measured cycles, memory and whether the output equals the host engine's");
  add_model_file_options(*command, options->model, "the .tnm model file");
  command->add_option("--board", options->board, "board kind (see `tinynas boards`)")->required();
  CLI::Option* port =
      command->add_option("--port", options->port,
                          "serial device of a real board, or unix:PATH / tcp:HOST:PORT of a runner "
                          "behind a socket");
  CLI::Option* farm =
      command
          ->add_option("--farm", options->farm_url,
                       "measure on a board farm (`tinynas farm serve`), e.g. http://127.0.0.1:8470")
          ->excludes(port);
  command
      ->add_option("--token", options->farm_token,
                   "bearer token of the farm (default: $TINYNAS_FARM_TOKEN)")
      ->needs(farm);
  command->add_option("--baud", options->baud, "baud rate (default: the board file's)")
      ->check(CLI::PositiveNumber);
  command->add_option("--firmware", options->firmware_path,
                      "runner image for an emulated board (default: the build's, or "
                      "$TINYNAS_FIRMWARE_DIR/<board>/tinynas-runner.elf)");
  command->add_option("--runs", options->runs, "inferences per measurement (>= 1)")
      ->check(CLI::Range(uint32_t{1}, std::numeric_limits<uint32_t>::max()));
  command
      ->add_option("--timeout", options->run_timeout_seconds,
                   "seconds to wait for RUN to finish (emulated boards are slow)")
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", options->seed, "seed of the pseudo-random input");
  command->add_flag("--zeros", options->zeros, "all-zero input instead of pseudo-random");
  command->add_flag("--json", options->json, "machine-readable output");
  CLI::Option* upload =
      command
          ->add_option("--upload", options->upload,
                       "how the model reaches the board: serial (the wire protocol, default) or "
                       "gdb (written into its memory through a GDB server: QEMU's gdbstub for "
                       "emulated boards, --gdb-server for real ones)")
          ->check(CLI::IsMember({"serial", "gdb"}))
          ->excludes(farm);
  command
      ->add_option("--gdb-server", options->gdb_server,
                   "GDB server of a real board's probe for --upload gdb: tcp:HOST:PORT "
                   "(OpenOCD: tcp:localhost:3333, st-util: tcp:localhost:4242)")
      ->needs(upload)
      ->needs(port);
  command->callback([options] { run_profile(*options); });
}

}  // namespace tinynas::apps
