#include "farm/farm_config.h"

#include <boost/asio/ip/address.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace tinynas::farm {
namespace {

constexpr int kMaxPort = 65535;
constexpr int kMaxBoardsPerEntry = 64;
constexpr int64_t kMaxCount = 1000000000;

[[noreturn]] void fail(const std::string& origin, const std::string& field,
                       const std::string& what) {
  throw FarmConfigError(origin + ": " + field + ": " + what);
}

void reject_unknown_keys(const nlohmann::json& object, const std::set<std::string>& known,
                         const std::string& origin, const std::string& where) {
  for (const auto& item : object.items()) {
    if (known.count(item.key()) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(origin, where + item.key(), "unknown field (known: " + list + ")");
    }
  }
}

std::string get_string(const nlohmann::json& object, const char* key, const std::string& origin,
                       const std::string& where) {
  const auto& value = object.at(key);
  if (!value.is_string()) {
    fail(origin, where + key, std::string("expected a string, found ") + value.type_name());
  }
  return value.get<std::string>();
}

int64_t get_integer(const nlohmann::json& object, const char* key, int64_t min, int64_t max,
                    const std::string& origin, const std::string& where) {
  const auto& value = object.at(key);
  if (!value.is_number_integer()) {
    fail(origin, where + key, std::string("expected an integer, found ") + value.type_name());
  }
  const int64_t number = value.get<int64_t>();
  if (number < min || number > max) {
    fail(origin, where + key,
         "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
             "], found " + std::to_string(number));
  }
  return number;
}

void parse_limits(const nlohmann::json& object, FarmLimits& limits, const std::string& origin) {
  const std::string where = "limits.";
  if (!object.is_object()) fail(origin, "limits", "expected an object");
  reject_unknown_keys(object,
                      {"max_body_bytes", "max_runs", "max_queued_jobs", "max_attempts",
                       "quarantine_after_failures", "quarantine_ms", "request_timeout_ms",
                       "run_timeout_ms", "boot_timeout_ms", "http_timeout_ms"},
                      origin, where);
  constexpr int64_t kMaxBody = int64_t{1} << 30;
  constexpr int64_t kMaxMilliseconds = int64_t{24} * 3600 * 1000;
  auto ms = [&](const char* key, std::chrono::milliseconds& target) {
    if (object.contains(key)) {
      target =
          std::chrono::milliseconds(get_integer(object, key, 1, kMaxMilliseconds, origin, where));
    }
  };
  if (object.contains("max_body_bytes")) {
    limits.max_body_bytes =
        static_cast<std::size_t>(get_integer(object, "max_body_bytes", 1, kMaxBody, origin, where));
  }
  if (object.contains("max_runs")) {
    limits.max_runs =
        static_cast<uint32_t>(get_integer(object, "max_runs", 1, kMaxCount, origin, where));
  }
  if (object.contains("max_queued_jobs")) {
    limits.max_queued_jobs = static_cast<std::size_t>(
        get_integer(object, "max_queued_jobs", 1, kMaxCount, origin, where));
  }
  if (object.contains("max_attempts")) {
    limits.max_attempts =
        static_cast<int>(get_integer(object, "max_attempts", 1, kMaxBoardsPerEntry, origin, where));
  }
  if (object.contains("quarantine_after_failures")) {
    limits.quarantine_after_failures = static_cast<int>(
        get_integer(object, "quarantine_after_failures", 1, kMaxCount, origin, where));
  }
  ms("quarantine_ms", limits.quarantine_time);
  ms("request_timeout_ms", limits.request_timeout);
  ms("run_timeout_ms", limits.run_timeout);
  ms("boot_timeout_ms", limits.boot_timeout);
  ms("http_timeout_ms", limits.http_timeout);
}

BoardEntry parse_board_entry(const nlohmann::json& object, std::size_t index,
                             const std::string& origin) {
  const std::string where = "boards[" + std::to_string(index) + "].";
  if (!object.is_object())
    fail(origin, "boards[" + std::to_string(index) + "]", "expected an object");
  reject_unknown_keys(object, {"kind", "count", "port", "baud"}, origin, where);
  if (!object.contains("kind")) fail(origin, where + "kind", "missing");
  BoardEntry entry;
  entry.kind = get_string(object, "kind", origin, where);
  if (object.contains("port")) entry.port = get_string(object, "port", origin, where);
  if (object.contains("baud")) {
    entry.baud = static_cast<int>(get_integer(object, "baud", 1, kMaxCount, origin, where));
  }
  if (object.contains("count")) {
    if (entry.port) fail(origin, where + "count", "a board on a port is one board: drop count");
    entry.count =
        static_cast<int>(get_integer(object, "count", 1, kMaxBoardsPerEntry, origin, where));
  }
  return entry;
}

}  // namespace

bool is_loopback_address(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code error;
  const auto parsed = boost::asio::ip::make_address(address, error);
  return !error && parsed.is_loopback();
}

FarmConfig parse_farm_config(const nlohmann::json& document, const std::string& origin) {
  if (!document.is_object()) fail(origin, "(top level)", "expected an object");
  reject_unknown_keys(document,
                      {"listen", "port", "token", "database", "firmware_dir", "boards_dir",
                       "boards", "limits", "description"},
                      origin, "");
  FarmConfig config;
  config.source_path = origin;
  if (document.contains("listen")) config.listen = get_string(document, "listen", origin, "");
  if (document.contains("port")) {
    config.port = static_cast<uint16_t>(get_integer(document, "port", 0, kMaxPort, origin, ""));
  }
  if (document.contains("token")) config.token = get_string(document, "token", origin, "");
  if (document.contains("database")) {
    config.database = get_string(document, "database", origin, "");
    if (config.database.empty()) fail(origin, "database", "expected a path, found \"\"");
  }
  if (document.contains("firmware_dir")) {
    config.firmware_dir = get_string(document, "firmware_dir", origin, "");
  }
  if (document.contains("boards_dir")) {
    config.boards_dir = get_string(document, "boards_dir", origin, "");
  }
  if (document.contains("limits")) parse_limits(document.at("limits"), config.limits, origin);
  if (!document.contains("boards")) fail(origin, "boards", "missing (the boards the farm owns)");
  const auto& boards = document.at("boards");
  if (!boards.is_array() || boards.empty()) {
    fail(origin, "boards", "expected a non-empty array of {\"kind\": ..., \"count\"|\"port\"}");
  }
  for (std::size_t i = 0; i < boards.size(); ++i) {
    config.boards.push_back(parse_board_entry(boards[i], i, origin));
  }
  boost::system::error_code error;
  if (config.listen != "localhost") {
    boost::asio::ip::make_address(config.listen, error);
    if (error) fail(origin, "listen", "expected an IP address, found \"" + config.listen + "\"");
  }
  return config;
}

FarmConfig load_farm_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FarmConfigError(path + ": cannot open the farm file");
  nlohmann::json document;
  try {
    in >> document;
  } catch (const nlohmann::json::exception& e) {
    throw FarmConfigError(path + ": not valid JSON: " + e.what());
  }
  FarmConfig config = parse_farm_config(document, path);
  if (const char* token = std::getenv(kTokenEnvironmentVariable); token != nullptr && *token) {
    config.token = token;
  }
  return config;
}

}  // namespace tinynas::farm
