// tinynas boards [--json]: known board kinds (configs/boards/*.json) and the serial ports present
// (USB ones with VID:PID and the probe they belong to).
// tinynas boards flash --board KIND [--probe openocd|st-link|serial-bootloader] [--port DEV]:
// puts the runner image on a real board.
#include <fmt/core.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "profiler/board_flash.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"
#include "profiler/serial_port_transport.h"
#include "profiler/usb_probes.h"

namespace tinynas::apps {

namespace {

constexpr double kHzPerMhz = 1e6;
constexpr uint32_t kBytesPerKib = 1024;
constexpr int kJsonIndent = 2;

struct BoardsCommandOptions {
  bool json = false;
};

struct FlashCommandOptions {
  std::string board;
  std::string probe;  // empty: the board file's first
  std::string port;
  std::string firmware_path;
};

// "usb 0483:374b ST-LINK/V2-1 (serial 066D...), flash with: st-link, openocd"
std::string port_origin(const profiler::SerialPortInfo& port) {
  if (port.transport != "usb" || (port.usb_vendor_id == 0 && port.usb_product_id == 0)) {
    return port.description;
  }
  std::string text = profiler::usb_id_text(port.usb_vendor_id, port.usb_product_id);
  const auto probe = profiler::usb_probe(port.usb_vendor_id, port.usb_product_id);
  text += " " + (probe ? probe->name : port.description);
  if (!port.usb_serial.empty()) text += " (serial " + port.usb_serial + ")";
  if (probe) text += ", flash with: " + probe->flash_with;
  return text;
}

nlohmann::json port_json(const profiler::SerialPortInfo& port) {
  nlohmann::json json = {
      {"name", port.name}, {"description", port.description}, {"transport", port.transport}};
  if (port.transport != "usb") return json;
  json["usb_id"] = profiler::usb_id_text(port.usb_vendor_id, port.usb_product_id);
  json["usb_serial"] = port.usb_serial;
  json["usb_product"] = port.usb_product;
  json["usb_manufacturer"] = port.usb_manufacturer;
  if (const auto probe = profiler::usb_probe(port.usb_vendor_id, port.usb_product_id)) {
    json["probe"] = probe->name;
    json["flash_with"] = probe->flash_with;
  }
  return json;
}

std::string flash_probes_text(const profiler::BoardSpec& spec) {
  if (!spec.flash) return "";
  std::string text;
  for (const auto& probe : spec.flash->probes) {
    text += (text.empty() ? "" : "|") + std::string(profiler::flash_probe_name(probe.probe));
  }
  return "; flash: " + text;
}

std::string reach(const profiler::BoardSpec& spec) {
  if (spec.emulated()) return "qemu " + spec.emulator->machine;
  std::string text =
      "serial " + std::to_string(spec.baud.value_or(profiler::kDefaultBaud)) + " baud";
  if (spec.max_baud) text += " (up to " + std::to_string(*spec.max_baud) + ")";
  return text + flash_probes_text(spec);
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
      json["serial_ports"].push_back(port_json(port));
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
    fmt::print("  {:<24} {:<9} {}\n", port.name, port.transport, port_origin(port));
  }
}

void run_flash(const FlashCommandOptions& options) {
  const profiler::BoardSpec spec = profiler::find_board_spec(options.board);
  profiler::FlashOptions flash;
  if (!options.probe.empty()) flash.probe = profiler::parse_flash_probe(options.probe);
  flash.port = options.port;
  flash.firmware_path = options.firmware_path;
  const profiler::FlashResult result = profiler::flash_runner(spec, flash);
  fmt::print("board {}: flashed {} with `{}`\n", spec.kind, result.image_version,
             fmt::join(result.command, " "));
}

}  // namespace

void register_boards_command(CLI::App& app) {
  auto options = std::make_shared<BoardsCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "boards", "List the known board kinds and the serial ports present on this host");
  command->add_flag("--json", options->json, "machine-readable output");

  auto flash_options = std::make_shared<FlashCommandOptions>();
  CLI::App* flash = command->add_subcommand(
      "flash", "Put the runner image on a real board through its debug probe or serial bootloader");
  flash->add_option("--board", flash_options->board, "board kind (see `tinynas boards`)")
      ->required();
  flash
      ->add_option("--probe", flash_options->probe,
                   "openocd, st-link or serial-bootloader (default: the board file's first)")
      ->check(CLI::IsMember({"openocd", "st-link", "serial-bootloader"}));
  flash->add_option("--port", flash_options->port,
                    "the UART of the serial bootloader, e.g. /dev/ttyUSB0");
  flash->add_option("--firmware", flash_options->firmware_path,
                    "runner ELF (default: the build's; the .bin next to it for st-flash and "
                    "stm32flash)");
  flash->callback([flash_options] { run_flash(*flash_options); });
  command->callback([options, flash] {
    if (!flash->parsed()) run_boards(*options);
  });
}

}  // namespace tinynas::apps
