// tinynas boards [--json]: known board kinds (configs/boards/*.json) and serial ports present.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"
#include "profiler/serial_port_transport.h"

namespace tinynas::apps {

namespace {

constexpr double kHzPerMhz = 1e6;
constexpr uint32_t kBytesPerKib = 1024;
constexpr int kJsonIndent = 2;

struct BoardsCommandOptions {
  bool json = false;
};

std::string reach(const profiler::BoardSpec& spec) {
  if (spec.emulated()) return "qemu " + spec.emulator->machine;
  return "serial " + std::to_string(spec.baud.value_or(profiler::kDefaultBaud)) + " baud";
}

void run_boards(const BoardsCommandOptions& options) {
  const std::string dir = profiler::default_boards_dir();
  const auto specs = profiler::list_board_specs(dir);
  const auto ports = profiler::list_serial_ports();
  if (options.json) {
    nlohmann::json json;
    json["boards_dir"] = dir;
    json["boards"] = nlohmann::json::array();
    for (const auto& spec : specs) {
      nlohmann::json board = {{"kind", spec.kind},
                              {"core", spec.core},
                              {"clock_hz", spec.clock_hz},
                              {"sram_bytes", spec.sram_bytes},
                              {"flash_bytes", spec.flash_bytes},
                              {"model_region", spec.model_region},
                              {"model_region_bytes", spec.model_region_bytes},
                              {"kernels", spec.kernels},
                              {"emulated", spec.emulated()},
                              {"description", spec.description}};
      if (spec.emulated()) board["firmware_image"] = profiler::default_firmware_path(spec);
      json["boards"].push_back(board);
    }
    json["serial_ports"] = nlohmann::json::array();
    for (const auto& port : ports) {
      json["serial_ports"].push_back(
          {{"name", port.name}, {"description", port.description}, {"transport", port.transport}});
    }
    fmt::print("{}\n", json.dump(kJsonIndent));
    return;
  }
  fmt::print("board kinds ({}):\n", dir);
  fmt::print("  {:<24} {:<10} {:>9} {:>10} {:>10}  {:<7} {}\n", "kind", "core", "clock", "SRAM",
             "flash", "kernels", "reached by");
  for (const auto& spec : specs) {
    fmt::print("  {:<24} {:<10} {:>5g} MHz {:>6} KiB {:>6} KiB  {:<7} {}\n", spec.kind, spec.core,
               spec.clock_hz / kHzPerMhz, spec.sram_bytes / kBytesPerKib,
               spec.flash_bytes / kBytesPerKib, spec.kernels, reach(spec));
  }
  if (ports.empty()) {
    fmt::print("serial ports: none found\n");
    return;
  }
  fmt::print("serial ports:\n");
  for (const auto& port : ports) {
    fmt::print("  {:<24} {:<9} {}\n", port.name, port.transport, port.description);
  }
}

}  // namespace

void register_boards_command(CLI::App& app) {
  auto options = std::make_shared<BoardsCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "boards", "List the known board kinds and the serial ports present on this host");
  command->add_flag("--json", options->json, "machine-readable output");
  command->callback([options] { run_boards(*options); });
}

}  // namespace tinynas::apps
