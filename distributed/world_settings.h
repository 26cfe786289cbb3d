// Where a process stands in a data-parallel run: the torchrun-style environment (MASTER_ADDR,
// MASTER_PORT, RANK, WORLD_SIZE, optionally LOCAL_RANK). No LibTorch in this header.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tinynas::distributed {

class ProcessGroup;  // distributed/process_group.h

// How long a collective (and the rendezvous) waits for the other ranks before it fails: a rank
// that died or hangs ends the run with an error instead of a wait without end.
inline constexpr std::chrono::seconds kDefaultTimeout{600};

inline constexpr const char* kMasterAddressVariable = "MASTER_ADDR";
inline constexpr const char* kMasterPortVariable = "MASTER_PORT";
inline constexpr const char* kRankVariable = "RANK";
inline constexpr const char* kWorldSizeVariable = "WORLD_SIZE";
inline constexpr const char* kLocalRankVariable = "LOCAL_RANK";

struct WorldSettings {
  std::string master_address;  // where rank 0 serves the rendezvous store
  int master_port = 0;
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  // the rank among the processes of this machine
};

// A variable's value, or null when it is not set (getenv by default).
using EnvironmentLookup = std::function<const char*(const char*)>;

// Nothing when none of the variables is set (a single-process run). Otherwise every variable
// but LOCAL_RANK must be set, and all must be in range; throws std::invalid_argument naming
// every bad variable and its value at once.
std::optional<WorldSettings> world_from_environment(const EnvironmentLookup& lookup = {});

// ProcessGroup::connect, for callers that only hand the group on (no ATen in this header).
std::shared_ptr<ProcessGroup> join_process_group(const WorldSettings& world,
                                                 std::chrono::seconds timeout);

}  // namespace tinynas::distributed
