// The host side of the MLPerf Tiny benchmark protocol (firmware/mlperf_tiny/dut.h): talks to any
// device under test that speaks it (the tinynas runner and exported firmware, or another
// vendor's firmware) over a Transport, the way the benchmark's reference runner does: a command
// is its text and '%', the reply is every line up to the one holding "m-ready"; input is sent
// as `db load N` and `db` commands of hex chunks; `infer N W` is timed by the DUT's two m-lap-us
// lines. Every wait has a timeout; errors name the port and the command.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "profiler/transport.h"

namespace tinynas::profiler {

// The DUT answered with an e-[...] line, did not answer in time, or said something the protocol
// does not allow.
class MlperfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes per `db` command: the reference runner's chunk (31 bytes, 62 hex digits), which keeps
// "db " + digits well under the DUT's 80-character command limit.
inline constexpr std::size_t kMlperfDbChunkBytes = 31;

struct MlperfInference {
  uint32_t iterations = 0;
  uint32_t warmups = 0;
  uint64_t start_us = 0;  // the two m-lap-us timestamps around the timed inferences
  uint64_t end_us = 0;
  std::vector<float> results;  // m-results-[...]
  uint64_t elapsed_us() const { return end_us - start_us; }
};

struct MlperfClientOptions {
  std::chrono::milliseconds command_timeout{5000};  // every command but infer
  std::chrono::milliseconds infer_timeout{600000};  // infer (emulated boards are slow)
};

class MlperfClient {
 public:
  MlperfClient(Transport& transport, MlperfClientOptions options = {});

  // Sends `command` + '%' and returns the reply lines up to and without "m-ready". Throws
  // MlperfError on a timeout; e- lines are returned like any other (see checked()).
  std::vector<std::string> command(const std::string& command);
  // command(), but an e-[...] line in the reply throws MlperfError with it.
  std::vector<std::string> checked(const std::string& command);

  // A lone '%' (ends any half-sent command on the DUT) until the DUT answers m-ready, and
  // everything else it sends dropped: a clean start on a line of unknown state. Throws
  // MlperfError when nothing answers.
  void flush();

  std::string name();                             // m-name-dut-[NAME]
  std::pair<std::string, std::string> profile();  // m-profile-[...], m-model-[...]
  void load(const std::vector<uint8_t>& bytes, std::size_t chunk = kMlperfDbChunkBytes);
  MlperfInference infer(uint32_t iterations, uint32_t warmups);
  std::vector<float> results();

  const std::string& port() const { return port_; }

 private:
  std::vector<std::string> exchange(const std::string& command, std::chrono::milliseconds timeout);
  bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline);

  Transport& transport_;
  MlperfClientOptions options_;
  std::string port_;
  std::string pending_;  // received bytes not yet split into lines
};

// "m-results-[1.000,-0.500]" -> {1.0, -0.5}; false when `line` is not a results line.
bool parse_mlperf_results(const std::string& line, std::vector<float>& results);

}  // namespace tinynas::profiler
