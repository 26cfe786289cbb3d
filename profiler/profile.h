// Profile one model on one board: upload, run N iterations, fetch per-op cycles and the output,
// run the same model on the host engine with the same input and compare outputs bit for bit.
// Every figure carries the board and firmware version it was measured on.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profiler/board_client.h"

namespace tinynas::profiler {

struct ProfileOptions {
  uint32_t runs = 1;  // RUN iterations; cycles are reported for the last one
  protocol::InputMode input_mode = protocol::InputMode::kPseudoRandom;  // zeros or pseudo-random
  uint32_t seed = 1;
  bool compare_with_host = true;
  // Empty: upload over the wire protocol (LOAD_CHUNKs). Else the address of a GDB server on the
  // board ("unix:PATH", "tcp:HOST:PORT"): the model goes straight into its memory
  // (gdb_model_upload.h), at memory speed instead of serial speed.
  std::string gdb_server;
};

struct ProfileResult {
  // Where the figures come from.
  std::string board;
  std::string firmware_version;
  std::string core;
  uint32_t clock_hz = 0;
  std::string kernel_path;  // "mve", "dsp" or "plain"
  std::string timer;        // "systick", "dwt" or "mcycle"
  std::string port;         // transport description
  // What ran.
  uint32_t model_bytes = 0;
  uint32_t model_crc32 = 0;
  uint16_t op_count = 0;
  std::vector<std::string> op_kinds;  // per op, e.g. "conv2d"
  std::string input;                  // "zeros" / "pseudo-random (seed 1)"
  uint32_t runs = 0;
  // Timing (CPU clock cycles).
  uint64_t cycles = 0;  // one inference (the last iteration)
  uint64_t total_cycles = 0;
  uint32_t min_cycles = 0;
  uint32_t max_cycles = 0;
  std::vector<uint32_t> per_op_cycles;
  // Memory.
  uint32_t arena_bytes = 0;          // measured on the board (painting)
  uint32_t planned_arena_bytes = 0;  // from the model header (the memory planner)
  uint32_t scratch_bytes = 0;        // planned shared scratch
  uint32_t stack_bytes = 0;          // stack high-water mark on the board
  std::string upload;                // "serial" (LOAD_CHUNKs) or "gdb" (LOAD_PLACED)
  // Output.
  uint32_t output_bytes = 0;
  uint32_t output_crc32 = 0;   // as the board reports it
  std::vector<int8_t> output;  // as fetched from the board
  bool host_compared = false;
  uint32_t host_output_crc32 = 0;
  bool output_matches_host = false;
  int64_t first_mismatch = -1;  // byte index of the first difference, -1 when none

  double latency_ms() const;
};

// Runs the whole profile against a board that has answered HELLO (`info`). Throws BoardError
// (board rejected / timed out / link lost) or std::runtime_error (host side).
ProfileResult profile_model(BoardClient& client, const BoardInfo& info,
                            const std::vector<uint8_t>& model, const ProfileOptions& options = {});

nlohmann::json to_json(const ProfileResult& result);

const char* kernel_path_name(protocol::KernelPath path);
const char* timer_name(protocol::TimerKind timer);

}  // namespace tinynas::profiler
