// A farm file (FARM.json): which boards the daemon owns and how it serves them.
//
//   {"listen": "127.0.0.1", "port": 8470, "token": "...", "database": "tinynas-farm.sqlite",
//    "boards": [{"kind": "qemu-mps2-an386", "count": 2},
//               {"kind": "stm32f746g-disco", "port": "/dev/ttyACM0", "baud": 115200,
//                "flash": {"probe": "st-link"}}],
//    "limits": {"max_body_bytes": ..., "max_runs": ..., ...}}
//
// Every field but "boards" is optional; unknown fields are errors (a typo must not silently
// fall back to a default).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"

namespace tinynas::farm {

inline constexpr char kDefaultListen[] = "127.0.0.1";
inline constexpr uint16_t kDefaultPort = 8470;
inline constexpr char kDefaultDatabase[] = "tinynas-farm.sqlite";
// The environment variable that supplies the bearer token (overrides the file's "token").
inline constexpr char kTokenEnvironmentVariable[] = "TINYNAS_FARM_TOKEN";

// A farm file that cannot be read or has bad fields (errors() lists them), or a farm that
// cannot start as configured.
class FarmConfigError : public config::ConfigError {
 public:
  using config::ConfigError::ConfigError;
  explicit FarmConfigError(const config::ConfigError& error) : config::ConfigError(error) {}
};

// One "boards" entry: `count` emulated boards of a kind, or one board on a serial port.
struct BoardEntry {
  std::string kind;
  int count = 1;                    // emulated boards only
  std::optional<std::string> port;  // real boards: serial device (or unix:/tcp: runner)
  std::optional<int> baud;
  // "flash": {"probe": ..., "port": ...}: (re)flash the board's runner (profiler/board_flash.h)
  // when it does not answer or its version differs from the build's image. The probe is one
  // the board file lists (absent: its first); the port is the serial bootloader's UART.
  bool flash = false;
  std::optional<std::string> flash_probe;
  std::optional<std::string> flash_port;
};

struct FarmLimits {
  std::size_t max_body_bytes = 4u << 20;             // a .tnm upload; larger bodies get 413
  uint32_t max_runs = 1000;                          // RUN iterations per job
  std::size_t max_queued_jobs = 100000;              // further submissions get 503
  int max_attempts = 3;                              // boards a job may fail on before it fails
  int quarantine_after_failures = 3;                 // consecutive failures that quarantine a board
  std::chrono::milliseconds quarantine_time{30000};  // before a quarantined board is retried
  std::chrono::milliseconds request_timeout{3000};   // every board request except RUN
  std::chrono::milliseconds run_timeout{120000};     // RUN
  std::chrono::milliseconds boot_timeout{15000};     // emulated board: start to HELLO
  std::chrono::milliseconds http_timeout{30000};     // one HTTP request on the wire
  std::size_t max_connections = 128;                 // open HTTP connections; more get 503
};

struct FarmConfig {
  std::string listen = kDefaultListen;
  uint16_t port = kDefaultPort;  // 0: any free port (tests)
  std::string token;             // empty: none (allowed on loopback only)
  std::string database = kDefaultDatabase;
  std::string firmware_dir;  // empty: the profiler's default
  std::string boards_dir;    // empty: the profiler's default
  std::vector<BoardEntry> boards;
  FarmLimits limits;
  std::string source_path;  // the file it came from, for messages
};

// Throws FarmConfigError listing every bad field ("<origin>: N errors\n  <field>: expected ...,
// found ...").
FarmConfig parse_farm_config(const nlohmann::json& document, const std::string& origin);
// Reads the file, parses it, and applies $TINYNAS_FARM_TOKEN when set.
FarmConfig load_farm_config(const std::string& path);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_address(const std::string& address);

// What serving needs beyond a well-formed file, checked on the final config (after command-line
// overrides) before anything starts: an address to listen on, and a token when it is not a
// loopback address. Throws FarmConfigError naming every problem.
void check_serving_config(const FarmConfig& config);

}  // namespace tinynas::farm
