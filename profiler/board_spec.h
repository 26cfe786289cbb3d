// Board facts from configs/boards/<kind>.json: what the MCU is, how much memory it has, and
// how to reach it (QEMU machine for emulated boards, baud rate for real ones).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"

namespace tinynas::profiler {

// A board file is missing, unreadable or has bad fields (errors() lists them), or a board kind
// is unknown. The message names file and fields.
class BoardSpecError : public config::ConfigError {
 public:
  using config::ConfigError::ConfigError;
  explicit BoardSpecError(const config::ConfigError& error) : config::ConfigError(error) {}
};

struct EmulatorSpec {
  std::string qemu = "qemu-system-arm";  // executable, looked up on PATH
  std::string machine;                   // -machine value, e.g. "mps2-an386"
  int icount_shift = 0;                  // -icount shift=N: one instruction = 2^N ns
  std::vector<std::string> extra_args;   // optional further QEMU arguments
};

// How the runner image gets onto a real board (`tinynas boards flash`).
enum class FlashProbe {
  kOpenocd,           // Debian's openocd, any CMSIS-DAP or ST-LINK probe: the ELF image
  kStLink,            // st-flash (stlink-tools): the binary at the flash base address
  kSerialBootloader,  // stm32flash: the STM32 ROM bootloader over a UART
};
const char* flash_probe_name(FlashProbe probe);  // "openocd", "st-link", "serial-bootloader"
// The probe of `name`; nullopt for anything else.
std::optional<FlashProbe> parse_flash_probe(const std::string& name);

struct FlashProbeSpec {
  FlashProbe probe = FlashProbe::kOpenocd;
  std::vector<std::string> openocd_scripts;  // openocd: its -f files (interface, then target)
  int bootloader_baud = 0;                   // serial-bootloader: the ROM bootloader's rate
};

// "flash": {"base_address": "0x08000000", "probes": [{"probe": "openocd", "interface":
// "interface/stlink.cfg", "target": "target/stm32f7x.cfg"}, {"probe": "st-link"},
// {"probe": "serial-bootloader", "baud": 115200}]}: the first probe is the default.
struct FlashSpec {
  uint32_t base_address = 0;  // where the image's first byte goes (st-flash, stm32flash)
  std::vector<FlashProbeSpec> probes;
};

struct BoardSpec {
  std::string kind;  // "qemu-mps2-an386"
  std::string description;
  std::string core;  // "cortex-m4"
  uint32_t clock_hz = 0;
  uint32_t sram_bytes = 0;
  uint32_t flash_bytes = 0;
  std::string model_region;  // "ram" or "flash"
  uint32_t model_region_bytes = 0;
  uint32_t arena_capacity_bytes = 0;    // largest planned arena the runner accepts (0: unknown)
  uint32_t scratch_capacity_bytes = 0;  // largest planned scratch (0: unknown)
  uint32_t stack_bytes = 0;             // the firmware's stack reservation (0: not given)
  bool dsp = false;
  std::string kernels;   // "mve", "dsp" or "plain": the kernel path the firmware is built with
  std::string timer;     // "systick", "dwt" or "mcycle"
  std::string firmware;  // the firmware build's board target name
  std::optional<EmulatorSpec> emulator;  // present for emulated boards only
  std::optional<int> baud;               // "serial": {"baud": N} of real boards
  // "serial": {"max_baud": N}: the fastest rate the board's USART and its USB-serial bridge
  // take; the host switches to it after HELLO (SET_BAUD). Absent: the line stays at `baud`.
  std::optional<int> max_baud;
  std::optional<FlashSpec> flash;  // real boards that `tinynas boards flash` can program
  std::string source_path;         // the JSON file it came from

  bool emulated() const { return emulator.has_value(); }
};

// Parses one board file. Throws BoardSpecError naming the file and every bad field.
BoardSpec load_board_spec(const std::string& path);

// The directory holding the board files: $TINYNAS_BOARDS_DIR, else
// $TINYNAS_SOURCE_DIR/configs/boards, else the source tree this library was built from.
std::string default_boards_dir();

// Every board file in `boards_dir`, sorted by kind.
std::vector<BoardSpec> list_board_specs(const std::string& boards_dir = default_boards_dir());

// The board file of `kind`; the error lists the known kinds when there is none.
BoardSpec find_board_spec(const std::string& kind,
                          const std::string& boards_dir = default_boards_dir());

}  // namespace tinynas::profiler
