// The farm daemon (Farm + FarmServer on loopback) with emulated qemu-mps2-an386 boards running
// the real runner: concurrent clients, a QEMU killed in the middle of a job, and a restart of
// the daemon with jobs still queued. Every answer is checked against the host engine (the
// board's output must equal it bit for bit) and against the model that was submitted.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <set>
#include <thread>

#include "engine/compiler/model_file.h"
#include "farm/farm.h"
#include "farm/farm_client.h"
#include "farm/farm_server.h"
#include "tests/farm/farm_test_models.h"
#include "tests/farm/farm_test_support.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

using testing::test_config;
using testing::tiny_model;

// 8 clients x 25 jobs as the issue asks; TINYNAS_FARM_TEST_CLIENTS / _JOBS shrink it on a slow
// machine (every job is a distinct model, so each one really runs on a board).
constexpr int kDefaultClients = 8;
constexpr int kDefaultJobsPerClient = 25;
constexpr std::chrono::minutes kJobTimeout{4};
constexpr std::chrono::seconds kStartTimeout{30};
// A job for the fault tests should run for about this long on the board, so that it can be
// interrupted in the middle.
constexpr std::chrono::milliseconds kLongJob{4000};
// The QEMU is killed this long after its board took the job.
constexpr std::chrono::milliseconds kKillDelay{300};
constexpr uint32_t kSizingRuns = 20;
constexpr uint32_t kSizingSeed = 990;
constexpr uint32_t kMaxLongRuns = 1000;
constexpr int kLongModelResolution = 24;

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value ? std::atoi(value) : fallback;
}

void expect_correct(const nlohmann::json& job, const std::vector<uint8_t>& model) {
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["model"], text::sha256_hex(model));
  const auto& result = job["measurement"]["result"];
  EXPECT_EQ(result["model_bytes"], model.size());
  const compiler::LoadedModel loaded(model, "test model");
  EXPECT_EQ(result["op_count"], loaded.view().op_count());
  EXPECT_EQ(result["per_op_cycles"].size(), loaded.view().op_count());
  EXPECT_EQ(result["output_matches_host"], true) << result.dump();
  EXPECT_GT(result["cycles"].get<uint64_t>(), 0u);
  EXPECT_EQ(result["board"], testing::kTestKind);
}

struct Daemon {
  explicit Daemon(const FarmConfig& config) : farm(config), server(farm, config) {}
  bool boards_up() {
    for (const auto& b : farm.boards()) {
      if (b.state != BoardState::kIdle) return false;
    }
    return true;
  }
  Farm farm;
  FarmServer server;
};

// Wall time of one job of the long model with `runs` runs (the seed keeps it out of the store).
double job_seconds(FarmClient& client, uint32_t seed, uint32_t runs) {
  const auto model = tiny_model(seed, kLongModelResolution);
  const auto start = std::chrono::steady_clock::now();
  const int64_t id = client.submit(model, testing::kTestKind, runs).at("id");
  expect_correct(client.wait_for_job(id, kJobTimeout, std::chrono::milliseconds(1)), model);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs needed for one job of the long model to take about kLongJob on this machine: the
// difference of a short and a longer job gives the wall time per run without the per-job
// overhead (upload, host comparison, HTTP).
uint32_t runs_for_long_job(FarmClient& client) {
  const double one = job_seconds(client, kSizingSeed, 1);
  const double many = job_seconds(client, kSizingSeed + 1, kSizingRuns + 1);
  const double per_run = std::max(1e-4, (many - one) / kSizingRuns);
  const double runs = std::chrono::duration<double>(kLongJob).count() / per_run;
  return static_cast<uint32_t>(std::clamp(runs, double{kSizingRuns}, double{kMaxLongRuns}));
}

TEST(FarmQemu, ConcurrentClientsGetEveryJobAnsweredOnceWithCorrectResults) {
  profiler::TempDir dir("farm-qemu-test");
  Daemon daemon(test_config(dir.path(), 2));
  const int clients = env_int("TINYNAS_FARM_TEST_CLIENTS", kDefaultClients);
  const int jobs_per_client = env_int("TINYNAS_FARM_TEST_JOBS", kDefaultJobsPerClient);
  std::mutex mutex;
  std::set<int64_t> ids;
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      FarmClient client(daemon.server.url());
      std::vector<std::pair<int64_t, std::vector<uint8_t>>> mine;
      for (int j = 0; j < jobs_per_client; ++j) {
        auto model = tiny_model(static_cast<uint32_t>(1 + c * jobs_per_client + j));
        mine.emplace_back(client.submit(model, testing::kTestKind).at("id").get<int64_t>(), model);
      }
      for (const auto& [id, model] : mine) {
        const nlohmann::json job = client.wait_for_job(id, kJobTimeout);
        expect_correct(job, model);
        std::lock_guard lock(mutex);
        EXPECT_TRUE(ids.insert(id).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int total = clients * jobs_per_client;
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(daemon.farm.store().measurement_count(), total);
  const auto counts = daemon.farm.store().job_counts();
  EXPECT_EQ(counts.at("done"), total);
  // Not an assertion: the throughput goes into the log for the record.
  std::printf("[farm] %d jobs on 2 emulated boards in %.1f s (%.1f jobs/s)\n", total, seconds,
              total / seconds);
}

TEST(FarmQemu, AJobWhoseQemuIsKilledMidJobStillCompletes) {
  profiler::TempDir dir("farm-qemu-test");
  FarmConfig config = test_config(dir.path(), 2);
  config.limits.quarantine_after_failures = 5;
  Daemon daemon(config);
  FarmClient client(daemon.server.url());
  const uint32_t runs = runs_for_long_job(client);
  const auto model = tiny_model(4242, kLongModelResolution);
  const int64_t id = client.submit(model, testing::kTestKind, runs).at("id");
  int victim_pid = -1;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (const auto& board : daemon.farm.boards()) {
          if (board.current_job == id && board.pid > 0) {
            victim_pid = board.pid;
            return true;
          }
        }
        return false;
      },
      kStartTimeout))
      << client.job(id).dump();
  std::this_thread::sleep_for(kKillDelay);
  ASSERT_EQ(::kill(victim_pid, SIGKILL), 0);
  const nlohmann::json job = client.wait_for_job(id, kJobTimeout);
  expect_correct(job, model);
  EXPECT_EQ(job["attempts"], 2) << job.dump();
  EXPECT_EQ(daemon.farm.store().measurements(text::sha256_hex(model), testing::kTestKind).size(),
            1u);
  // The killed board was restarted and is healthy again.
  ASSERT_TRUE(testing::wait_until([&] { return daemon.boards_up(); }, kJobTimeout));
  int failures = 0;
  for (const auto& board : daemon.farm.boards()) failures += static_cast<int>(board.failures);
  EXPECT_EQ(failures, 1);
}

TEST(FarmQemu, JobsQueuedWhenTheDaemonStopsCompleteAfterItRestarts) {
  profiler::TempDir dir("farm-qemu-test");
  const FarmConfig config = test_config(dir.path(), 2);
  constexpr int kJobs = 4;
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> jobs;
  {
    Daemon daemon(config);
    FarmClient client(daemon.server.url());
    // Shorter jobs than the kill test's: only the first ones need to be caught running.
    const uint32_t runs = std::max(kSizingRuns, runs_for_long_job(client) / 2);
    for (int i = 0; i < kJobs; ++i) {
      auto model = tiny_model(static_cast<uint32_t>(7000 + i), kLongModelResolution);
      jobs.emplace_back(client.submit(model, testing::kTestKind, runs).at("id").get<int64_t>(),
                        model);
    }
    ASSERT_TRUE(testing::wait_until(
        [&] { return client.status()["jobs"]["running"].get<int>() > 0; }, kJobTimeout));
    daemon.server.stop();
    daemon.farm.stop();
    int waiting = 0;
    for (const auto& [id, model] : jobs) {
      waiting += (*daemon.farm.job_json(id))["state"] == "queued" ? 1 : 0;
    }
    EXPECT_GE(waiting, kJobs - 2);  // at most one finished per board before the stop
  }
  Daemon restarted(config);
  FarmClient client(restarted.server.url());
  std::set<int64_t> measurement_ids;
  for (const auto& [id, model] : jobs) {
    const nlohmann::json job = client.wait_for_job(id, kJobTimeout);
    expect_correct(job, model);
    measurement_ids.insert(job["measurement_id"].get<int64_t>());
  }
  EXPECT_EQ(measurement_ids.size(), static_cast<std::size_t>(kJobs));
  // 2 sizing jobs + kJobs: every job measured exactly once across both daemon lives.
  EXPECT_EQ(restarted.farm.store().measurement_count(), kJobs + 2);
}

}  // namespace
}  // namespace tinynas::farm
