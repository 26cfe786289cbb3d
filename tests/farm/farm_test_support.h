// Shared pieces of the farm tests: a config for N boards of one kind with its database in a
// private temp dir, and waiting for a job to end.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "farm/farm.h"
#include "profiler/qemu_board.h"

namespace tinynas::farm::testing {

inline constexpr char kTestKind[] = "qemu-mps2-an386";

inline FarmConfig test_config(const std::string& dir, int boards,
                              const std::string& kind = kTestKind) {
  FarmConfig config;
  config.port = 0;
  config.database = dir + "/farm.sqlite";
  BoardEntry entry;
  entry.kind = kind;
  entry.count = boards;
  config.boards.push_back(entry);
  config.limits.quarantine_time = std::chrono::milliseconds(60000);
  config.source_path = "test farm";
  return config;
}

// Polls the farm until the job is done or failed (or `timeout` passes); returns its JSON.
inline nlohmann::json wait_for_job(Farm& farm, int64_t id,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    nlohmann::json job = *farm.job_json(id);
    if (job["state"] == "done" || job["state"] == "failed") return job;
    if (std::chrono::steady_clock::now() > deadline) return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace tinynas::farm::testing
