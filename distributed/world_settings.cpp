#include "distributed/world_settings.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <vector>

namespace tinynas::distributed {
namespace {

constexpr long kMaxPort = 65535;

// The value of `text` as an integer in [low, high], or nothing (with the reason in `errors`).
std::optional<int> parse_integer(const char* name, const char* text, long low, long high,
                                 std::vector<std::string>& errors) {
  const std::string shown = std::string(name) + "=\"" + text + "\"";
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE) {
    errors.push_back(shown + ": expected an integer");
    return std::nullopt;
  }
  if (value < low || value > high) {
    errors.push_back(shown + ": expected " + std::to_string(low) + ".." + std::to_string(high));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

}  // namespace

std::optional<WorldSettings> world_from_environment(const EnvironmentLookup& lookup) {
  const auto get = [&lookup](const char* name) -> const char* {
    return lookup ? lookup(name) : std::getenv(name);
  };
  const char* address = get(kMasterAddressVariable);
  const char* port = get(kMasterPortVariable);
  const char* rank = get(kRankVariable);
  const char* world_size = get(kWorldSizeVariable);
  const char* local_rank = get(kLocalRankVariable);
  if (!address && !port && !rank && !world_size && !local_rank) return std::nullopt;

  std::vector<std::string> errors;
  for (const auto& [name, value] :
       {std::pair{kMasterAddressVariable, address}, std::pair{kMasterPortVariable, port},
        std::pair{kRankVariable, rank}, std::pair{kWorldSizeVariable, world_size}}) {
    if (value == nullptr) errors.push_back(std::string(name) + ": not set");
  }
  WorldSettings world;
  const int max_int = std::numeric_limits<int>::max();
  if (address != nullptr) {
    world.master_address = address;
    if (world.master_address.empty())
      errors.push_back(std::string(kMasterAddressVariable) + ": empty");
  }
  if (port != nullptr) {
    world.master_port = parse_integer(kMasterPortVariable, port, 1, kMaxPort, errors).value_or(0);
  }
  std::optional<int> size;
  if (world_size != nullptr)
    size = parse_integer(kWorldSizeVariable, world_size, 1, max_int, errors);
  const long last_rank = size ? *size - 1 : max_int;
  if (size) world.world_size = *size;
  if (rank != nullptr) {
    world.rank = parse_integer(kRankVariable, rank, 0, last_rank, errors).value_or(0);
  }
  if (local_rank != nullptr) {
    world.local_rank =
        parse_integer(kLocalRankVariable, local_rank, 0, last_rank, errors).value_or(0);
  }
  if (!errors.empty()) {
    std::string message = "distributed training environment:";
    for (const std::string& error : errors) message += "\n  " + error;
    throw std::invalid_argument(message);
  }
  return world;
}

}  // namespace tinynas::distributed
