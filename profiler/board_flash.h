// Puts the runner image on a real board with Debian's tools (`tinynas boards flash`): OpenOCD
// (the ELF, through any CMSIS-DAP or ST-LINK probe), st-flash (the binary at the flash base
// address) or stm32flash (the binary through the STM32 ROM bootloader on a UART). The board
// file's "flash" section says which of them fit the board and with which settings.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "profiler/board_spec.h"

namespace tinynas::profiler {

// The board cannot be flashed as asked (no flash section, probe not listed, image missing), or
// the tool failed; the message names the board and, for a failed tool, carries its output.
class FlashError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr char kRunnerBinaryName[] = "tinynas-runner.bin";
inline constexpr char kRunnerVersionPrefix[] = "tinynas-runner ";

struct FlashOptions {
  std::optional<FlashProbe> probe;  // absent: the board file's first probe
  std::string port;                 // serial-bootloader: the UART's device (required)
  std::string firmware_path;        // the runner ELF; empty: default_firmware_path(spec)
  std::chrono::milliseconds timeout{std::chrono::minutes(3)};
};

struct FlashResult {
  std::vector<std::string> command;  // what ran
  std::string output;                // the tool's stdout and stderr
  std::string image_version;         // the version the flashed runner reports in HELLO
};

// The probe settings the board file lists for `requested` (its first probe when absent).
// Throws FlashError when the board has no "flash" section or does not list the probe.
const FlashProbeSpec& choose_flash_probe(const BoardSpec& spec,
                                         std::optional<FlashProbe> requested);

// The exact command line that flashes `elf` (openocd) or `bin` (st-flash, stm32flash at the
// board's flash base address) and starts the runner.
std::vector<std::string> flash_command_line(const BoardSpec& spec, const FlashProbeSpec& probe,
                                            const std::string& elf, const std::string& bin,
                                            const std::string& port);

// The HELLO version string built into a runner image (ELF or binary): the text that starts
// with "tinynas-runner " and ends with ")", e.g. "tinynas-runner 0.4.0 (3bfd8f2)". Throws
// FlashError when the file cannot be read or holds none.
std::string runner_image_version(const std::string& image_path);

// Runs the flash tool and waits for it. Throws FlashError (with the tool's output) when it
// cannot start, fails or outlives options.timeout.
FlashResult flash_runner(const BoardSpec& spec, const FlashOptions& options);

}  // namespace tinynas::profiler
