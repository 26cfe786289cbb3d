#include "profiler/mlperf_client.h"

#include <cstdio>
#include <cstdlib>

namespace tinynas::profiler {

namespace {

constexpr char kReady[] = "m-ready";
constexpr std::chrono::milliseconds kFlushQuiet{300};
constexpr std::chrono::milliseconds kFlushAnswer{1500};
constexpr int kFlushAttempts = 3;

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// The text between "<prefix>[" and the closing ']' of `line`, or false.
bool bracketed(const std::string& line, const std::string& prefix, std::string& value) {
  if (!starts_with(line, (prefix + "[").c_str()) || line.empty() || line.back() != ']') {
    return false;
  }
  value = line.substr(prefix.size() + 1, line.size() - prefix.size() - 2);
  return true;
}

bool parse_decimal(const std::string& text, uint64_t& value) {
  if (text.empty() || text.size() > 19) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

bool parse_mlperf_results(const std::string& line, std::vector<float>& results) {
  std::string list;
  if (!bracketed(line, "m-results-", list)) return false;
  results.clear();
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(start, end - start);
    if (item.find_first_not_of(' ') != std::string::npos) {
      char* stop = nullptr;
      const float value = std::strtof(item.c_str(), &stop);
      if (stop == item.c_str()) return false;
      results.push_back(value);
    }
    start = end + 1;
  }
  return true;
}

MlperfClient::MlperfClient(Transport& transport, MlperfClientOptions options)
    : transport_(transport), options_(options), port_(transport.description()) {}

bool MlperfClient::read_line(std::string& line, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const std::size_t end = pending_.find('\n');
    if (end != std::string::npos) {
      line.clear();
      // The reference runner's reader: CR, LF and NUL never belong to a line.
      for (std::size_t i = 0; i < end; ++i) {
        if (pending_[i] != '\r' && pending_[i] != '\0') line += pending_[i];
      }
      pending_.erase(0, end + 1);
      return true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    uint8_t buffer[512];
    const ReadResult read =
        transport_.read(buffer, sizeof(buffer),
                        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                            std::chrono::milliseconds(1));
    if (!read.timed_out()) pending_.append(reinterpret_cast<const char*>(buffer), read.bytes);
  }
}

std::vector<std::string> MlperfClient::exchange(const std::string& command,
                                                std::chrono::milliseconds timeout) {
  const std::string text = command + "%";
  transport_.write(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                   options_.command_timeout);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> lines;
  std::string line;
  while (read_line(line, deadline)) {
    if (line.find(kReady) != std::string::npos) return lines;
    if (!line.empty()) lines.push_back(line);
  }
  std::string got;
  for (const std::string& l : lines) got += (got.empty() ? "" : " | ") + l;
  throw MlperfError(
      port_ + ": no m-ready after '" + command + "' within " + std::to_string(timeout.count()) +
      " ms" + (got.empty() ? std::string(" (nothing received)") : " (received: " + got + ")"));
}

std::vector<std::string> MlperfClient::command(const std::string& command) {
  return exchange(command, options_.command_timeout);
}

std::vector<std::string> MlperfClient::checked(const std::string& command) {
  std::vector<std::string> lines = exchange(
      command, starts_with(command, "infer") ? options_.infer_timeout : options_.command_timeout);
  for (const std::string& line : lines) {
    if (starts_with(line, "e-")) {
      throw MlperfError(port_ + ": '" + command.substr(0, 40) + "' failed: " + line);
    }
  }
  return lines;
}

void MlperfClient::flush() {
  // A freshly opened line may lose the first bytes (QEMU notices a pty client within a second):
  // '%' again until the DUT answers one, then drop whatever else it still sends.
  const uint8_t terminator = '%';
  for (int attempt = 0; attempt < kFlushAttempts; ++attempt) {
    transport_.write(&terminator, 1, options_.command_timeout);
    const auto deadline = std::chrono::steady_clock::now() + kFlushAnswer;
    std::string line;
    while (read_line(line, deadline)) {
      if (line.find(kReady) == std::string::npos) continue;
      uint8_t buffer[512];
      while (!transport_.read(buffer, sizeof(buffer), kFlushQuiet).timed_out()) {
      }
      pending_.clear();
      return;
    }
  }
  throw MlperfError(port_ + ": no m-ready after " + std::to_string(kFlushAttempts) +
                    " lone '%' (is a DUT speaking the MLPerf Tiny protocol there?)");
}

std::string MlperfClient::name() {
  std::string value;
  for (const std::string& line : checked("name")) {
    if (bracketed(line, "m-name-dut-", value)) return value;
  }
  throw MlperfError(port_ + ": 'name' got no m-name-dut-[...] line");
}

std::pair<std::string, std::string> MlperfClient::profile() {
  std::pair<std::string, std::string> result;
  bool profile = false;
  bool model = false;
  for (const std::string& line : checked("profile")) {
    profile = profile || bracketed(line, "m-profile-", result.first);
    model = model || bracketed(line, "m-model-", result.second);
  }
  if (!profile || !model) {
    throw MlperfError(port_ + ": 'profile' got no m-profile-[...] and m-model-[...] lines");
  }
  return result;
}

void MlperfClient::load(const std::vector<uint8_t>& bytes, std::size_t chunk) {
  bool expecting = false;
  for (const std::string& line : checked("db load " + std::to_string(bytes.size()))) {
    expecting = expecting || line == "m-[Expecting " + std::to_string(bytes.size()) + " bytes]";
  }
  if (!expecting) throw MlperfError(port_ + ": 'db load' was not acknowledged");
  bool done = false;
  for (std::size_t start = 0; start < bytes.size(); start += chunk) {
    std::string text = "db ";
    char digits[3];
    for (std::size_t i = start; i < bytes.size() && i < start + chunk; ++i) {
      std::snprintf(digits, sizeof(digits), "%02x", bytes[i]);
      text += digits;
    }
    for (const std::string& line : checked(text)) done = done || line == "m-load-done";
  }
  if (!done)
    throw MlperfError(port_ + ": no m-load-done after " + std::to_string(bytes.size()) + " bytes");
}

MlperfInference MlperfClient::infer(uint32_t iterations, uint32_t warmups) {
  MlperfInference result;
  result.iterations = iterations;
  result.warmups = warmups;
  int laps = 0;
  bool has_results = false;
  for (const std::string& line :
       checked("infer " + std::to_string(iterations) + " " + std::to_string(warmups))) {
    uint64_t us = 0;
    if (starts_with(line, "m-lap-us-") && parse_decimal(line.substr(9), us)) {
      (laps++ == 0 ? result.start_us : result.end_us) = us;
    } else if (parse_mlperf_results(line, result.results)) {
      has_results = true;
    }
  }
  if (laps != 2 || !has_results) {
    throw MlperfError(port_ + ": 'infer' reply needs two m-lap-us lines and m-results (got " +
                      std::to_string(laps) + " laps" + (has_results ? "" : ", no results") + ")");
  }
  if (result.end_us < result.start_us) {
    throw MlperfError(port_ + ": 'infer' timestamps run backwards (" +
                      std::to_string(result.start_us) + " then " + std::to_string(result.end_us) +
                      ")");
  }
  return result;
}

std::vector<float> MlperfClient::results() {
  std::vector<float> scores;
  for (const std::string& line : checked("results")) {
    if (parse_mlperf_results(line, scores)) return scores;
  }
  throw MlperfError(port_ + ": 'results' got no m-results-[...] line");
}

}  // namespace tinynas::profiler
