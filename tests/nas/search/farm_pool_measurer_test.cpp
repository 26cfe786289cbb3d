// A search job's farms: models spread over every farm that serves the board kind, a farm that
// goes away midway dropped with a warning and its models measured elsewhere, and a whole search
// that loses one of its two farms between hardware rounds.
#include "nas/search/farm_pool_measurer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "farm/farm.h"
#include "farm/farm_server.h"
#include "nas/search/search_pipeline.h"
#include "search_fakes.h"
#include "tests/farm/fake_farm_board.h"
#include "tests/farm/farm_test_models.h"
#include "tests/farm/farm_test_support.h"

namespace tinynas::nas {
namespace {

using farm::testing::FakeFarmControl;
using farm::testing::kTestKind;

// One farm of `boards` fake boards, served on a loopback port.
struct TestFarm {
  TestFarm(const std::string& dir, int boards)
      : control(std::make_shared<FakeFarmControl>()),
        config(farm::testing::test_config(made(dir), boards)),
        farm(config, farm::testing::fake_board_factory(control)),
        server(std::make_unique<farm::FarmServer>(farm, config)),
        url(server->url()) {}
  ~TestFarm() { control->set_hold(false); }

  static const std::string& made(const std::string& dir) {
    std::filesystem::create_directories(dir);
    return dir;
  }

  int measured() {
    std::lock_guard lock(control->mutex);
    int total = 0;
    for (const auto& [sha, count] : control->measured) total += count;
    return total;
  }

  std::shared_ptr<FakeFarmControl> control;
  farm::FarmConfig config;
  farm::Farm farm;
  std::unique_ptr<farm::FarmServer> server;
  std::string url;
};

// Warnings, collected from the measurer (which may warn from the thread that measures).
struct Warnings {
  std::mutex mutex;
  std::vector<std::string> list;
  FarmPoolMeasurer::Warn sink() {
    return [this](const std::string& text) {
      std::lock_guard lock(mutex);
      list.push_back(text);
    };
  }
  std::string all() {
    std::lock_guard lock(mutex);
    std::string text;
    for (const std::string& w : list) text += w + "\n";
    return text;
  }
};

FarmPoolOptions fast_options() {
  FarmPoolOptions options;
  options.poll_interval = std::chrono::milliseconds(5);
  options.request_timeout = std::chrono::milliseconds(2000);
  options.model_timeout = std::chrono::seconds(60);
  return options;
}

std::vector<ModelToMeasure> models(int count) {
  std::vector<ModelToMeasure> list;
  for (int i = 0; i < count; ++i) {
    list.push_back(
        {farm::testing::tiny_model(static_cast<uint32_t>(100 + i)), "model " + std::to_string(i)});
  }
  return list;
}

// What the fake boards answer for `model`, whichever farm measured it.
uint64_t fake_cycles(const ModelToMeasure& model, uint16_t ops) {
  uint64_t cycles = farm::testing::kFakeOverheadCycles;
  for (uint16_t i = 0; i < ops; ++i) {
    cycles += farm::testing::fake_op_cycles(static_cast<uint32_t>(model.bytes.size()), i);
  }
  return cycles;
}

class FarmPoolMeasurerTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("TINYNAS_FARM_TOKEN"); }
  profiler::TempDir dir_{"farm-pool-test"};
};

TEST_F(FarmPoolMeasurerTest, SpreadsModelsOverEveryFarmAndKeepsTheirOrder) {
  TestFarm a(dir_.path() + "/a", 1), b(dir_.path() + "/b", 1);
  Warnings warnings;
  FarmPoolMeasurer pool({{a.url, {}}, {b.url, {}}}, kTestKind, warnings.sink(), fast_options());
  EXPECT_EQ(pool.description(), "2 farms " + a.url + ", " + b.url + " (" + kTestKind + ")");
  const std::vector<ModelToMeasure> list = models(6);
  std::vector<size_t> progress;
  const auto results = pool.measure_all(list, [&](size_t done) { progress.push_back(done); });
  ASSERT_EQ(results.size(), list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(results[i].cycles, fake_cycles(list[i], results[i].op_count)) << i;
    EXPECT_EQ(results[i].model_bytes, list[i].bytes.size()) << i;
  }
  EXPECT_EQ(progress, (std::vector<size_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(a.measured(), 3);
  EXPECT_EQ(b.measured(), 3);
  EXPECT_EQ(warnings.all(), "");
}

TEST_F(FarmPoolMeasurerTest, AFarmThatGoesAwayMidwayIsDroppedAndItsModelsRunElsewhere) {
  TestFarm a(dir_.path() + "/a", 1), b(dir_.path() + "/b", 1);
  a.control->set_hold(true);  // farm a's board takes a model and never finishes it
  Warnings warnings;
  FarmPoolMeasurer pool({{a.url, {}}, {b.url, {}}}, kTestKind, warnings.sink(), fast_options());
  std::thread stopper([&] {
    ASSERT_TRUE(farm::testing::wait_until([&] { return a.control->measure_calls.load() > 0; }));
    a.server->stop();
  });
  const std::vector<ModelToMeasure> list = models(6);
  const auto results = pool.measure_all(list);
  stopper.join();
  ASSERT_EQ(results.size(), list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(results[i].cycles, fake_cycles(list[i], results[i].op_count)) << i;
  }
  EXPECT_EQ(a.measured(), 0);
  EXPECT_EQ(b.measured(), 6);
  EXPECT_NE(warnings.all().find("farm " + a.url + " stopped answering"), std::string::npos)
      << warnings.all();
  EXPECT_EQ(pool.farm_urls(), std::vector<std::string>{b.url});
  // The next models go to the farm that is left.
  EXPECT_EQ(pool.measure(list[0].bytes, list[0].name).cycles, results[0].cycles);
}

TEST_F(FarmPoolMeasurerTest, WhenTheLastFarmGoesAwayTheMeasurementFailsNamingTheKind) {
  TestFarm a(dir_.path() + "/a", 1);
  a.control->set_hold(true);
  Warnings warnings;
  FarmPoolMeasurer pool({{a.url, {}}}, kTestKind, warnings.sink(), fast_options());
  std::thread stopper([&] {
    ASSERT_TRUE(farm::testing::wait_until([&] { return a.control->measure_calls.load() > 0; }));
    a.server->stop();
  });
  const std::vector<ModelToMeasure> list = models(2);
  try {
    pool.measure_all(list);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no farm left"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kTestKind), std::string::npos) << e.what();
  }
  stopper.join();
  EXPECT_NE(warnings.all().find("no farm is left"), std::string::npos) << warnings.all();
}

TEST_F(FarmPoolMeasurerTest, AFarmThatDoesNotServeAtTheStartIsLeftOutWithAWarning) {
  TestFarm b(dir_.path() + "/b", 1);
  Warnings warnings;
  FarmPoolMeasurer pool({{"http://127.0.0.1:1", {}}, {b.url, {}}}, kTestKind, warnings.sink(),
                        fast_options());
  EXPECT_EQ(pool.farm_urls(), std::vector<std::string>{b.url});
  EXPECT_EQ(pool.description(), "farm " + b.url + " (" + kTestKind + ")");
  EXPECT_NE(warnings.all().find("farm http://127.0.0.1:1"), std::string::npos) << warnings.all();
  EXPECT_NE(warnings.all().find("measuring on the other farms"), std::string::npos);
}

TEST_F(FarmPoolMeasurerTest, NoFarmServingTheKindIsAnErrorWithEveryFarmsProblem) {
  TestFarm b(dir_.path() + "/b", 1);
  try {
    FarmPoolMeasurer pool({{"http://127.0.0.1:1", {}}, {b.url, {}}}, "qemu-mps2-an500", {},
                          fast_options());
    ADD_FAILURE() << "no error";
  } catch (const farm::FarmClientError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("farm http://127.0.0.1:1"), std::string::npos) << message;
    EXPECT_NE(message.find("farm " + b.url + " has no board of kind qemu-mps2-an500"),
              std::string::npos)
        << message;
  }
}

TEST_F(FarmPoolMeasurerTest, ASearchLosingOneOfItsTwoFarmsMidwayFinishesOnTheOther) {
  TestFarm a(dir_.path() + "/a", 1), b(dir_.path() + "/b", 1);
  Warnings warnings;
  FarmPoolMeasurer pool({{a.url, {}}, {b.url, {}}}, kTestKind, warnings.sink(), fast_options());
  // Farm a goes away after its share of the calibration round, in the middle of the search.
  std::atomic<int> measured_by_a_before_stop{0};
  std::thread stopper([&] {
    ASSERT_TRUE(
        farm::testing::wait_until([&] { return a.measured() >= 3; }, std::chrono::seconds(120)));
    a.control->set_hold(true);
    measured_by_a_before_stop = a.measured();
    a.server->stop();
  });
  SearchJob job;
  job.name = "two-farms";
  job.board = profiler::find_board_spec(kTestKind);
  job.board.clock_hz = 1000000;
  job.space = testing::tiny_space();
  job.stage1.enabled = false;
  job.constraints.peak_sram_bytes = 8000;
  job.evolution.population = 10;
  job.evolution.generations = 4;
  job.evolution.hardware_every = 1;
  job.evolution.hardware_top_k = 2;
  job.evolution.calibration_samples = 6;
  job.evolution.max_tries = 400;
  job.output_dir = dir_.path() + "/search";
  testing::FakeSupernet supernet;
  const PipelineResult result = run_search(job, supernet, pool, {});
  stopper.join();
  ASSERT_TRUE(result.outcome.finished);
  ASSERT_TRUE(result.outcome.best.has_value());
  EXPECT_TRUE(result.outcome.records.at(*result.outcome.best).verified());
  EXPECT_GE(measured_by_a_before_stop.load(), 3);
  EXPECT_GT(b.measured(), 3);  // its half of the calibration, then every hardware round
  EXPECT_EQ(pool.farm_urls(), std::vector<std::string>{b.url});
  EXPECT_NE(warnings.all().find("farm " + a.url + " stopped answering"), std::string::npos)
      << warnings.all();
}

}  // namespace
}  // namespace tinynas::nas
