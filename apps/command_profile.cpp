// tinynas profile (MODEL.tnm | --tflite F) --board KIND [--port DEV | --farm URL] [--baud B]
// [--runs N] [--json]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "apps/network_source.h"
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
};

std::vector<uint8_t> read_model_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the model file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (bytes.empty()) throw std::runtime_error(path + ": the model file is empty");
  return bytes;
}

void print_human(const profiler::ProfileResult& r, const std::string& model_path) {
  // Every figure below was measured on this board with this firmware; the tag repeats it.
  const std::string tag = fmt::format("[{} | {}]", r.board, r.firmware_version);
  fmt::print("board {} ({} @ {:g} MHz, {} kernels, {} timer) on {}\n", r.board, r.core,
             r.clock_hz / kHzPerMhz, r.kernel_path, r.timer, r.port);
  fmt::print("firmware {}\n", r.firmware_version);
  fmt::print("model {}: {} bytes, {} ops; input {}; {} run(s)\n", model_path, r.model_bytes,
             r.op_count, r.input, r.runs);
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
  connection_options.client.run_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(options.run_timeout_seconds * kMillisecondsPerSecond));
  if (options.port.empty()) profiler::install_interrupt_cleanup();
  profiler::BoardConnection board(options.board, connection_options);

  profiler::ProfileOptions profile_options;
  profile_options.runs = options.runs;
  profile_options.seed = options.seed;
  profile_options.input_mode = options.zeros ? profiler::protocol::InputMode::kZeros
                                             : profiler::protocol::InputMode::kPseudoRandom;
  return profiler::profile_model(board.client(), board.info(), model, profile_options);
}

void run_profile(const ProfileCommandOptions& options) {
  if (options.model.model_path.empty() && options.model.tflite_path.empty()) {
    throw std::invalid_argument("profile: pass MODEL.tnm or --tflite MODEL.tflite");
  }
  const std::vector<uint8_t> model =
      options.model.tflite_path.empty()
          ? read_model_bytes(options.model.model_path)
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
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--timeout", options->run_timeout_seconds,
                   "seconds to wait for RUN to finish (emulated boards are slow)")
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", options->seed, "seed of the pseudo-random input");
  command->add_flag("--zeros", options->zeros, "all-zero input instead of pseudo-random");
  command->add_flag("--json", options->json, "machine-readable output");
  command->callback([options] { run_profile(*options); });
}

}  // namespace tinynas::apps
