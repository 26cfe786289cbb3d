// The farm core with fake boards: every job answered once with its own figures, retries on
// another board, quarantine, model rejections, the store as a cache, and restart recovery.
#include "farm/farm.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "tests/farm/fake_farm_board.h"
#include "tests/farm/farm_test_models.h"
#include "tests/farm/farm_test_support.h"
#include "tests/farm/store_damage.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

using testing::fake_board_factory;
using testing::FakeFarmControl;
using testing::test_config;
using testing::tiny_model;
using testing::wait_for_job;
using testing::wait_until;

TEST(Farm, AnswersEveryJobOnceWithItsOwnMeasurement) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(test_config(dir.path(), 3), fake_board_factory(control));
  constexpr int kJobs = 30;
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> jobs;
  for (int i = 0; i < kJobs; ++i) {
    auto model = tiny_model(static_cast<uint32_t>(i + 1));
    jobs.emplace_back(farm.submit(model, testing::kTestKind, 2).id, model);
  }
  std::set<int64_t> ids;
  for (const auto& [id, model] : jobs) {
    ids.insert(id);
    const nlohmann::json job = wait_for_job(farm, id);
    ASSERT_EQ(job["state"], "done") << job.dump();
    EXPECT_EQ(job["model"], text::sha256_hex(model));
    EXPECT_EQ(job["attempts"], 1);
    const auto& result = job["measurement"]["result"];
    EXPECT_EQ(result["model_bytes"], model.size());
    EXPECT_EQ(result["runs"], 2);
    EXPECT_EQ(result["per_op_cycles"][0], testing::fake_op_cycles(model.size(), 0));
    EXPECT_EQ(job["measurement"]["firmware_version"], testing::kFakeFirmware);
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kJobs));
  std::lock_guard lock(control->mutex);
  EXPECT_EQ(control->measured.size(), static_cast<std::size_t>(kJobs));
  for (const auto& [sha, count] : control->measured) EXPECT_EQ(count, 1) << sha;
  EXPECT_EQ(farm.store().measurement_count(), kJobs);
}

TEST(Farm, RetriesAFailedJobOnAnotherBoardAndResetsTheFailingBoard) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  control->fault = [](int board, const std::string&) {
    if (board == 0) throw profiler::BoardTimeoutError("board fake/0: RUN timed out");
  };
  FarmConfig config = test_config(dir.path(), 2);
  config.limits.quarantine_after_failures = 100;
  Farm farm(config, fake_board_factory(control));
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(farm.submit(tiny_model(i + 1), testing::kTestKind, 1).id);
  for (int64_t id : ids) {
    const nlohmann::json job = wait_for_job(farm, id);
    ASSERT_EQ(job["state"], "done") << job.dump();
    EXPECT_EQ(job["measurement"]["board"], "qemu-mps2-an386/1");
    EXPECT_LE(job["attempts"].get<int>(), 2);
  }
  EXPECT_GE(control->recover_calls.load(), 1);
  const auto boards = farm.boards();
  EXPECT_GE(boards[0].failures, 1);
  EXPECT_NE(boards[0].last_error.find("timed out"), std::string::npos);
}

TEST(Farm, QuarantinesABoardThatKeepsFailing) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  auto board0_failures = std::make_shared<std::atomic<int>>(0);
  control->fault = [board0_failures](int board, const std::string&) {
    if (board == 0) {
      ++*board0_failures;
      throw profiler::BoardLinkError("board fake/0: link lost");
    }
    // Board 1 holds its jobs until board 0 has failed twice, so that board 0 gets its two jobs
    // however the two workers happen to be scheduled.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (board0_failures->load() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  FarmConfig config = test_config(dir.path(), 2);
  config.limits.quarantine_after_failures = 2;
  config.limits.max_attempts = 10;
  Farm farm(config, fake_board_factory(control));
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(farm.submit(tiny_model(i + 1), testing::kTestKind, 1).id);
  for (int64_t id : ids) EXPECT_EQ(wait_for_job(farm, id)["state"], "done");
  ASSERT_TRUE(wait_until([&] { return farm.boards()[0].state == BoardState::kQuarantined; }));
  EXPECT_EQ(farm.boards()[1].state, BoardState::kIdle);
  EXPECT_EQ(farm.boards()[1].jobs_done, 10);
}

TEST(Farm, FailsAJobAfterMaxAttemptsWithTheBoardsReason) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  control->fault = [](int board, const std::string&) {
    throw profiler::BoardLinkError("board fake/" + std::to_string(board) + ": link lost");
  };
  FarmConfig config = test_config(dir.path(), 2);
  config.limits.max_attempts = 3;
  config.limits.quarantine_after_failures = 100;
  Farm farm(config, fake_board_factory(control));
  const int64_t id = farm.submit(tiny_model(1), testing::kTestKind, 1).id;
  const nlohmann::json job = wait_for_job(farm, id);
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["attempts"], 3);
  EXPECT_NE(job["error"].get<std::string>().find("link lost"), std::string::npos) << job.dump();
  EXPECT_FALSE(job.contains("measurement"));
}

TEST(Farm, AModelTheBoardRejectsFailsAtOnceWithoutBlamingTheBoard) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  control->fault = [](int, const std::string&) {
    throw profiler::BoardRejectedError("board fake: LOAD_BEGIN: model too large",
                                       firmware::protocol::Command::kLoadBegin,
                                       firmware::protocol::ReplyStatus::kModelTooLarge, {});
  };
  Farm farm(test_config(dir.path(), 2), fake_board_factory(control));
  const int64_t id = farm.submit(tiny_model(1), testing::kTestKind, 1).id;
  const nlohmann::json job = wait_for_job(farm, id);
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_NE(job["error"].get<std::string>().find("too large"), std::string::npos);
  for (const auto& board : farm.boards()) EXPECT_EQ(board.consecutive_failures, 0);
}

TEST(Farm, AnswersAKnownModelFromTheStoreWithoutRunningIt) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(test_config(dir.path(), 1), fake_board_factory(control));
  const auto model = tiny_model(5);
  const int64_t first = farm.submit(model, testing::kTestKind, 1).id;
  ASSERT_EQ(wait_for_job(farm, first)["state"], "done");
  const SubmitResult second = farm.submit(model, testing::kTestKind, 1);
  EXPECT_TRUE(second.from_store);
  const nlohmann::json job = *farm.job_json(second.id);
  EXPECT_EQ(job["state"], "done");
  EXPECT_EQ(job["from_store"], true);
  EXPECT_EQ(job["measurement_id"], (*farm.job_json(first))["measurement_id"]);
  EXPECT_EQ(control->measure_calls.load(), 1);
}

TEST(Farm, RefusesBadSubmissionsSayingWhy) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(test_config(dir.path(), 1), fake_board_factory(control));
  const auto refusal_of = [&](const std::vector<uint8_t>& model, const std::string& kind,
                              uint32_t runs) {
    try {
      farm.submit(model, kind, runs);
    } catch (const SubmitError& e) {
      return std::make_pair(std::optional<SubmitRefusal>(e.refusal()), std::string(e.what()));
    }
    return std::make_pair(std::optional<SubmitRefusal>(), std::string());
  };
  auto model = tiny_model(1);
  EXPECT_EQ(refusal_of(model, "no-such-board", 1).first, SubmitRefusal::kUnknownBoardKind);
  EXPECT_EQ(refusal_of(model, testing::kTestKind, 0).first, SubmitRefusal::kInvalidRequest);
  EXPECT_EQ(refusal_of({}, testing::kTestKind, 1).first, SubmitRefusal::kInvalidRequest);
  model[model.size() / 2] ^= 0xFF;  // breaks the CRC
  const auto corrupt = refusal_of(model, testing::kTestKind, 1);
  EXPECT_EQ(corrupt.first, SubmitRefusal::kInvalidModel);
  EXPECT_NE(corrupt.second.find("uploaded model"), std::string::npos) << corrupt.second;
  EXPECT_EQ(control->measure_calls.load(), 0);
}

TEST(Farm, RefusesWhenTheQueueIsFullOrTheFarmIsStopping) {
  profiler::TempDir dir("farm-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.limits.max_queued_jobs = 2;
  auto control = std::make_shared<FakeFarmControl>();
  control->set_hold(true);  // the board takes one job and never finishes it
  Farm farm(config, fake_board_factory(control));
  std::optional<SubmitError> refused;
  for (uint32_t i = 1; i <= 4 && !refused; ++i) {
    try {
      farm.submit(tiny_model(i), testing::kTestKind, 1);
    } catch (const SubmitError& e) {
      refused = e;
    }
  }
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->refusal(), SubmitRefusal::kQueueFull);
  EXPECT_NE(std::string(refused->what()).find("queue full"), std::string::npos);
  farm.stop();
  try {
    farm.submit(tiny_model(9), testing::kTestKind, 1);
    FAIL() << "a stopped farm took a job";
  } catch (const SubmitError& e) {
    EXPECT_EQ(e.refusal(), SubmitRefusal::kShuttingDown);
  }
}

TEST(Farm, RunsJobsLeftQueuedOrRunningAfterARestart) {
  profiler::TempDir dir("farm-test");
  const FarmConfig config = test_config(dir.path(), 2);
  constexpr int kJobs = 8;
  std::vector<int64_t> ids;
  {
    auto control = std::make_shared<FakeFarmControl>();
    control->set_hold(true);  // boards take jobs but never finish them
    Farm farm(config, fake_board_factory(control));
    for (int i = 0; i < kJobs; ++i)
      ids.push_back(farm.submit(tiny_model(i + 1), testing::kTestKind, 1).id);
    ASSERT_TRUE(wait_until([&] { return control->measure_calls.load() == 2; }));
    farm.stop();
    for (int64_t id : ids) EXPECT_EQ((*farm.job_json(id))["state"], "queued");
  }
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(config, fake_board_factory(control));
  for (int64_t id : ids) {
    const nlohmann::json job = wait_for_job(farm, id);
    EXPECT_EQ(job["state"], "done") << job.dump();
  }
  std::lock_guard lock(control->mutex);
  EXPECT_EQ(control->measured.size(), static_cast<std::size_t>(kJobs));
}

TEST(Farm, ABoardThatDoesNotComeUpIsQuarantinedAndTheOthersWork) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  control->start_fault = [](int board) {
    if (board == 0) throw profiler::BoardTimeoutError("board fake/0: no HELLO within 15000 ms");
  };
  FarmConfig config = test_config(dir.path(), 2);
  config.limits.quarantine_after_failures = 1;
  Farm farm(config, fake_board_factory(control));
  const int64_t id = farm.submit(tiny_model(1), testing::kTestKind, 1).id;
  EXPECT_EQ(wait_for_job(farm, id)["state"], "done");
  ASSERT_TRUE(wait_until([&] { return farm.boards()[0].state == BoardState::kQuarantined; }));
  EXPECT_NE(farm.boards()[0].last_error.find("HELLO"), std::string::npos);
}

// Boards that stay in start() until the test opens the gate.
struct StartGate {
  std::atomic<bool> open{false};
  void install(FakeFarmControl& control) {
    control.start_fault = [this](int) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!open.load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    };
  }
};

TEST(Farm, AStoreErrorInAWorkerStopsTheFarmCleanlyAndKeepsTheJob) {
  profiler::TempDir dir("farm-test");
  const FarmConfig config = test_config(dir.path(), 1);
  auto control = std::make_shared<FakeFarmControl>();
  StartGate gate;
  gate.install(*control);
  Farm farm(config, fake_board_factory(control));
  const int64_t id = farm.submit(tiny_model(1), testing::kTestKind, 1).id;
  testing::execute_sql(config.database, "DROP TABLE measurements");
  gate.open = true;
  ASSERT_TRUE(wait_until([&] { return farm.failure().has_value(); }));
  EXPECT_NE(farm.failure()->find("measurements"), std::string::npos) << *farm.failure();
  farm.stop();
  EXPECT_EQ(control->measure_calls.load(), 0);
  const auto job = farm.store().job(id);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->state, JobState::kQueued) << "the job runs after the store is repaired";
}

TEST(Farm, ADaemonKilledTwiceMidJobDoesNotCountAsBoardAttempts) {
  profiler::TempDir dir("farm-test");
  FarmConfig config = test_config(dir.path(), 2);
  config.limits.max_attempts = 3;
  config.limits.quarantine_after_failures = 100;
  const auto model = tiny_model(1);
  int64_t id = 0;
  {
    // What two kill -9 of the daemon leave: the job started twice, still "running".
    MeasurementStore store(config.database);
    store.put_model(text::sha256_hex(model), model);
    id = store.add_job(text::sha256_hex(model), testing::kTestKind, 1);
    ASSERT_TRUE(store.start_job(id, "qemu-mps2-an386/0"));
    store.requeue_unfinished_jobs();
    ASSERT_TRUE(store.start_job(id, "qemu-mps2-an386/1"));
  }
  auto control = std::make_shared<FakeFarmControl>();
  auto faults = std::make_shared<std::atomic<int>>(0);
  control->fault = [faults](int board, const std::string&) {
    if (faults->fetch_add(1) == 0) {
      throw profiler::BoardLinkError("board fake/" + std::to_string(board) + ": link lost");
    }
  };
  Farm farm(config, fake_board_factory(control));
  const nlohmann::json job = wait_for_job(farm, id);
  EXPECT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["attempts"], 2) << "one board fault, then the job ran";
}

TEST(Farm, AnswersWithTheRunsThatWereAsked) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  Farm farm(test_config(dir.path(), 1), fake_board_factory(control));
  const auto model = tiny_model(5);
  for (uint32_t runs : {2u, 5u, 2u, 5u}) {
    const SubmitResult submitted = farm.submit(model, testing::kTestKind, runs);
    const nlohmann::json job = wait_for_job(farm, submitted.id);
    ASSERT_EQ(job["state"], "done") << job.dump();
    EXPECT_EQ(job["runs"], runs);
    EXPECT_EQ(job["measurement"]["runs"], runs) << job.dump();
    EXPECT_EQ(job["measurement"]["result"]["runs"], runs);
  }
  EXPECT_EQ(control->measure_calls.load(), 2) << "each run count measured once";
}

TEST(Farm, ConcurrentJobsForOneModelAreMeasuredOnce) {
  profiler::TempDir dir("farm-test");
  auto control = std::make_shared<FakeFarmControl>();
  control->set_hold(true);
  Farm farm(test_config(dir.path(), 2), fake_board_factory(control));
  const auto shared_model = tiny_model(7);
  const auto other_model = tiny_model(8);
  const int64_t first = farm.submit(shared_model, testing::kTestKind, 1).id;
  const int64_t second = farm.submit(shared_model, testing::kTestKind, 1).id;
  const int64_t other = farm.submit(other_model, testing::kTestKind, 1).id;
  // Both boards are busy: the second one with the other model, not with a copy of the first.
  ASSERT_TRUE(wait_until([&] { return control->measure_calls.load() == 2; }));
  {
    std::lock_guard lock(control->mutex);
    EXPECT_EQ(
        std::set<std::string>(control->started.begin(), control->started.end()),
        (std::set<std::string>{text::sha256_hex(shared_model), text::sha256_hex(other_model)}));
  }
  control->set_hold(false);
  for (int64_t id : {first, second, other}) {
    EXPECT_EQ(wait_for_job(farm, id)["state"], "done") << id;
  }
  EXPECT_EQ((*farm.job_json(second))["measurement_id"], (*farm.job_json(first))["measurement_id"]);
  EXPECT_EQ((*farm.job_json(second))["measurement"]["runs"], 1);
  EXPECT_EQ(control->measure_calls.load(), 2);
  EXPECT_EQ(farm.store().measurement_count(), 2);
}

TEST(Farm, AnUnknownBoardKindIsRefusedBeforeTheDatabaseIsCreated) {
  profiler::TempDir dir("farm-test");
  FarmConfig config = test_config(dir.path(), 1);
  config.boards = {BoardEntry{}};
  config.boards[0].kind = "no-such-board";
  EXPECT_THROW(Farm farm(config), FarmConfigError);
  EXPECT_FALSE(std::filesystem::exists(config.database));
}

}  // namespace
}  // namespace tinynas::farm
