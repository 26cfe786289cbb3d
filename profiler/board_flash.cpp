#include "profiler/board_flash.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "profiler/child_process.h"
#include "profiler/qemu_board.h"

namespace tinynas::profiler {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kLogName[] = "flash.log";
constexpr std::chrono::milliseconds kPollInterval{20};
constexpr char kVersionEnd = ')';
constexpr char kVersionBuildOpen[] = " (";

std::string hex_address(uint32_t address) {
  char text[11];
  std::snprintf(text, sizeof(text), "0x%08x", address);
  return text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string board_prefix(const BoardSpec& spec) { return "board " + spec.kind + ": "; }

std::string listed_probes(const FlashSpec& flash) {
  std::string names;
  for (const FlashProbeSpec& probe : flash.probes) {
    names += (names.empty() ? "" : ", ") + std::string(flash_probe_name(probe.probe));
  }
  return names;
}

}  // namespace

const FlashProbeSpec& choose_flash_probe(const BoardSpec& spec,
                                         std::optional<FlashProbe> requested) {
  if (!spec.flash || spec.flash->probes.empty()) {
    throw FlashError(board_prefix(spec) + spec.source_path +
                     " has no \"flash\" section: tinynas does not know how to program it");
  }
  if (!requested) return spec.flash->probes.front();
  for (const FlashProbeSpec& probe : spec.flash->probes) {
    if (probe.probe == *requested) return probe;
  }
  throw FlashError(board_prefix(spec) + "probe " + flash_probe_name(*requested) +
                   " does not fit this board (" + spec.source_path +
                   " lists: " + listed_probes(*spec.flash) + ")");
}

std::vector<std::string> flash_command_line(const BoardSpec& spec, const FlashProbeSpec& probe,
                                            const std::string& elf, const std::string& bin,
                                            const std::string& port) {
  const std::string base = hex_address(spec.flash ? spec.flash->base_address : 0);
  switch (probe.probe) {
    case FlashProbe::kOpenocd: {
      std::vector<std::string> argv = {"openocd"};
      for (const std::string& script : probe.openocd_scripts)
        argv.insert(argv.end(), {"-f", script});
      argv.insert(argv.end(), {"-c", "program " + elf + " verify reset exit"});
      return argv;
    }
    case FlashProbe::kStLink:
      return {"st-flash", "--reset", "write", bin, base};
    case FlashProbe::kSerialBootloader:
      return {"stm32flash", "-b", std::to_string(probe.bootloader_baud),
              "-w",         bin,  "-v",
              "-S",         base, "-g",
              base,         port};
  }
  return {};
}

std::string runner_image_version(const std::string& image_path) {
  std::ifstream in(image_path, std::ios::binary);
  if (!in) throw FlashError(image_path + ": cannot read the runner image");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at = bytes.find(kRunnerVersionPrefix); at != std::string::npos;
       at = bytes.find(kRunnerVersionPrefix, at + 1)) {
    const std::size_t end = bytes.find('\0', at);
    if (end == std::string::npos) break;
    const std::string text = bytes.substr(at, end - at);
    if (text.back() == kVersionEnd && text.find(kVersionBuildOpen) != std::string::npos) {
      return text;
    }
  }
  throw FlashError(image_path + ": no runner version string (\"" +
                   std::string(kRunnerVersionPrefix) + "... (...)\") in the image");
}

FlashResult flash_runner(const BoardSpec& spec, const FlashOptions& options) {
  const FlashProbeSpec& probe = choose_flash_probe(spec, options.probe);
  if (probe.probe == FlashProbe::kSerialBootloader && options.port.empty()) {
    throw FlashError(board_prefix(spec) +
                     "the serial bootloader needs the UART's device: give --port (`tinynas "
                     "boards` lists the serial ports)");
  }
  if (probe.probe != FlashProbe::kSerialBootloader && !options.port.empty()) {
    throw FlashError(board_prefix(spec) + "--port is for the serial bootloader; " +
                     flash_probe_name(probe.probe) + " finds its probe on USB");
  }
  const std::string elf =
      options.firmware_path.empty() ? default_firmware_path(spec) : options.firmware_path;
  const std::string bin = (fs::path(elf).parent_path() / kRunnerBinaryName).string();
  const std::string image = probe.probe == FlashProbe::kOpenocd ? elf : bin;
  std::error_code error;
  if (!fs::is_regular_file(image, error)) {
    throw FlashError(board_prefix(spec) + "runner image " + image +
                     " not found (build it: `ninja -C build tinynas_firmware`, or set "
                     "TINYNAS_FIRMWARE_DIR)");
  }
  FlashResult result;
  result.image_version = runner_image_version(image);
  result.command = flash_command_line(spec, probe, elf, bin, options.port);
  spdlog::info("board {}: flashing {} ({})", spec.kind, image, result.image_version);

  const TempDir temp("tinynas-flash-");
  const std::string log = temp.path() + "/" + kLogName;
  std::string failure;
  try {
    ChildProcess tool(result.command, log);
    const auto deadline = Clock::now() + options.timeout;
    while (tool.running() && Clock::now() < deadline) std::this_thread::sleep_for(kPollInterval);
    if (tool.running()) {
      tool.kill();
      failure = "did not finish within " + std::to_string(options.timeout.count()) + " ms";
    } else if (tool.exit_code() != 0) {
      failure = tool.exit_description();
    }
  } catch (const ProcessError& e) {
    failure = e.what();
  }
  result.output = read_text(log);
  if (!failure.empty()) {
    std::string command;
    for (const std::string& argument : result.command)
      command += (command.empty() ? "" : " ") + argument;
    throw FlashError(board_prefix(spec) + "flashing failed: `" + command + "` " + failure +
                     (result.output.empty() ? std::string() : "; its output:\n" + result.output));
  }
  return result;
}

}  // namespace tinynas::profiler
