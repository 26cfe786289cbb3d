#include "farm/farm_config.h"

#include <boost/asio/ip/address.hpp>
#include <cstdlib>
#include <type_traits>

#include "config/field_reader.h"
#include "config/json_file.h"

namespace tinynas::farm {
namespace {

constexpr int kMaxPort = 65535;
constexpr int kMaxBoardsPerEntry = 64;
constexpr int64_t kMaxCount = 1000000000;
constexpr int64_t kMaxBody = int64_t{1} << 30;
constexpr int64_t kMaxConnections = 100000;
constexpr int64_t kMaxMilliseconds = int64_t{24} * 3600 * 1000;

void read_limits(const config::ObjectReader& object, FarmLimits& limits) {
  object.reject_unknown_keys({"max_body_bytes", "max_runs", "max_queued_jobs", "max_attempts",
                              "quarantine_after_failures", "quarantine_ms", "request_timeout_ms",
                              "run_timeout_ms", "boot_timeout_ms", "http_timeout_ms",
                              "max_connections"});
  auto set = [&object](const char* key, auto& target, int64_t max) {
    if (const auto value = object.integer(key, 1, max, config::kOptional)) {
      target = static_cast<std::remove_reference_t<decltype(target)>>(*value);
    }
  };
  auto set_ms = [&object](const char* key, std::chrono::milliseconds& target) {
    if (const auto value = object.integer(key, 1, kMaxMilliseconds, config::kOptional)) {
      target = std::chrono::milliseconds(*value);
    }
  };
  set("max_body_bytes", limits.max_body_bytes, kMaxBody);
  set("max_runs", limits.max_runs, kMaxCount);
  set("max_queued_jobs", limits.max_queued_jobs, kMaxCount);
  set("max_attempts", limits.max_attempts, kMaxBoardsPerEntry);
  set("quarantine_after_failures", limits.quarantine_after_failures, kMaxCount);
  set("max_connections", limits.max_connections, kMaxConnections);
  set_ms("quarantine_ms", limits.quarantine_time);
  set_ms("request_timeout_ms", limits.request_timeout);
  set_ms("run_timeout_ms", limits.run_timeout);
  set_ms("boot_timeout_ms", limits.boot_timeout);
  set_ms("http_timeout_ms", limits.http_timeout);
}

constexpr char kListenExpected[] = "an IP address or localhost";

bool is_listen_address(const std::string& address) {
  boost::system::error_code error;
  return address == "localhost" || (boost::asio::ip::make_address(address, error), !error);
}

BoardEntry read_board_entry(const config::ObjectReader& object) {
  object.reject_unknown_keys({"kind", "count", "port", "baud", "flash"});
  BoardEntry entry;
  entry.kind = object.string("kind").value_or("");
  entry.port = object.string("port", config::kOptional);
  if (const auto baud = object.integer("baud", 1, kMaxCount, config::kOptional)) {
    entry.baud = static_cast<int>(*baud);
  }
  if (const auto flash = object.object("flash", config::kOptional)) {
    flash->reject_unknown_keys({"probe", "port"});
    entry.flash = true;
    entry.flash_probe =
        flash->one_of("probe", {"openocd", "st-link", "serial-bootloader"}, config::kOptional);
    entry.flash_port = flash->string("port", config::kOptional);
    if (!object.has("port")) {
      object.add_error("flash",
                       "only for a board on a \"port\" (emulated boards boot the build's image)",
                       *object.get("flash"));
    }
  }
  if (object.has("count") && object.has("port")) {
    object.add_error("count", "no count for a board on a port (it is one board)",
                     *object.get("count"));
  } else if (const auto count = object.integer("count", 1, kMaxBoardsPerEntry, config::kOptional)) {
    entry.count = static_cast<int>(*count);
  }
  return entry;
}

}  // namespace

void check_serving_config(const FarmConfig& farm_config) {
  config::FieldErrors errors;
  if (!is_listen_address(farm_config.listen)) {
    errors.add("listen", kListenExpected, nlohmann::json(farm_config.listen));
  } else if (!is_loopback_address(farm_config.listen) && farm_config.token.empty()) {
    errors.add("token",
               std::string("a bearer token (\"token\" or $") + kTokenEnvironmentVariable +
                   ") when listening on " + farm_config.listen +
                   ", which is not a loopback address: clients must authenticate",
               "none");
  }
  errors.throw_if_any<FarmConfigError>(farm_config.source_path);
}

bool is_loopback_address(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code error;
  const auto parsed = boost::asio::ip::make_address(address, error);
  return !error && parsed.is_loopback();
}

FarmConfig parse_farm_config(const nlohmann::json& document, const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"listen", "port", "token", "database", "firmware_dir", "boards_dir",
                            "boards", "limits", "description"});
  FarmConfig farm_config;
  farm_config.source_path = origin;
  farm_config.listen = root.string("listen", config::kOptional).value_or(farm_config.listen);
  if (const auto port = root.integer("port", 0, kMaxPort, config::kOptional)) {
    farm_config.port = static_cast<uint16_t>(*port);
  }
  farm_config.token = root.string("token", config::kOptional).value_or(farm_config.token);
  if (const auto database = root.string("database", config::kOptional)) {
    if (database->empty()) root.add_error("database", "a path", nlohmann::json(*database));
    farm_config.database = *database;
  }
  farm_config.firmware_dir = root.string("firmware_dir", config::kOptional).value_or("");
  farm_config.boards_dir = root.string("boards_dir", config::kOptional).value_or("");
  if (const auto limits = root.object("limits", config::kOptional)) {
    read_limits(*limits, farm_config.limits);
  }
  if (const auto boards = root.array(
          "boards",
          "a non-empty array of {\"kind\": ..., \"count\"|\"port\"} (the boards the farm owns)",
          config::kRequired, 1)) {
    for (std::size_t i = 0; i < boards->size(); ++i) {
      const config::ObjectReader entry = boards->object(i);
      if (entry.valid()) farm_config.boards.push_back(read_board_entry(entry));
    }
  }
  if (!is_listen_address(farm_config.listen)) {
    root.add_error("listen", kListenExpected, nlohmann::json(farm_config.listen));
  }
  errors.throw_if_any<FarmConfigError>(origin);
  return farm_config;
}

FarmConfig load_farm_config(const std::string& path) {
  FarmConfig farm_config = config::rethrow_as<FarmConfigError>(
      [&] { return parse_farm_config(config::read_json_file(path), path); });
  if (const char* token = std::getenv(kTokenEnvironmentVariable); token != nullptr && *token) {
    farm_config.token = token;
  }
  return farm_config;
}

}  // namespace tinynas::farm
