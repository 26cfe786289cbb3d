// The device side of the MLPerf Tiny benchmark protocol (the reference runner's serial DUT
// interface), board-agnostic and freestanding: feed it received bytes, it answers through the
// porting layer (th_port.h).
//
// Commands are ASCII, at most kMaxCommand characters, ending in '%'; tokens are separated by
// spaces. Every reply line is "m-..." (message) or "e-..." (error) ending in "\r\n", and every
// command ends with "m-ready". Boot: m-timestamp-mode-performance, m-lap-us-N, m-init-done,
// m-ready.
//   name             m-name-dut-[NAME]
//   profile          m-profile-[FIRMWARE] and m-model-[MODEL]
//   help             the command list
//   timestamp        m-lap-us-N (microseconds)
//   db load N        m-[Expecting N bytes]; the next `db` commands bring N bytes
//   db HEX...        bytes as pairs of hex digits; m-load-done once all N arrived
//   db print         the loaded bytes, 8 per m-buffer-xx-xx-... line
//   infer N [W]      (W = 10) m-warmup-start-W, W inferences, m-warmup-done, m-infer-start-N,
//                    m-lap-us-T0, N inferences, m-lap-us-T1, m-infer-done, then the results
//   results          m-results-[s0,s1,...]: the class scores of the last inference, %.3f
// Bad input (an unknown or over-long command, `db` data without `db load`, more bytes than
// announced, a non-hex digit, `infer 0`, a `db load` while bytes are still expected) gets an
// "e-[...]" line and leaves the DUT ready for the next command; nothing is written out of bounds.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/mlperf_tiny/line_reader.h"
#include "firmware/mlperf_tiny/th_port.h"

namespace tinynas::firmware::mlperf_tiny {

inline constexpr uint32_t kDefaultWarmups = 10;  // `infer N` without W, as the benchmark does
inline constexpr uint32_t kDbPrintBytesPerLine = 8;

class MlperfDut {
 public:
  // `name` answers `name` (m-name-dut-[name]), `firmware` answers `profile`: neither may hold
  // ']' or a line break.
  MlperfDut(const char* name, const char* firmware, const ThPort& port, const ThModel& model);
  MlperfDut(const MlperfDut&) = delete;
  MlperfDut& operator=(const MlperfDut&) = delete;

  // The boot messages (th_timestamp_initialize, then ee_benchmark_initialize's last lines).
  void boot();
  // Feeds one received byte; a complete command is executed and answered.
  void on_byte(uint8_t byte);
  // Executes one command (without its '%'); public so tests can drive it line by line.
  void execute(char* command);
  // Forgets a half-received command (the line switched to another protocol).
  void discard_partial_command() { reader_.reset(); }

 private:
  void db(char* rest);
  void db_load(char* rest);
  void db_data(const char* hex);
  void db_print();
  void infer(char* rest);
  void results();
  void inference_failed(int status);
  void help();
  void timestamp();
  void message(const char* text);  // "m-<text>"
  void error(const char* text);    // "e-[<text>]"
  bool model_facts(ThModelFacts* facts);

  const char* name_;
  const char* firmware_;
  ThPort port_;
  ThModel model_;
  LineReader reader_;
  uint32_t expected_ = 0;  // bytes announced by the last `db load`
  uint32_t received_ = 0;  // bytes stored since then
  bool has_results_ = false;
};

}  // namespace tinynas::firmware::mlperf_tiny
