// The farm a search job names is checked when its measurer is made (before stage 1 and the
// supernet training): it must answer, and it must have boards of the job's kind.
#include "nas/search/board_measurers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "farm/farm.h"
#include "farm/farm_server.h"
#include "tests/farm/fake_farm_board.h"
#include "tests/farm/farm_test_support.h"

namespace tinynas::nas {
namespace {

std::string measurer_error(const std::string& farm_url, const std::string& kind) {
  SearchJob job;
  job.board = profiler::find_board_spec(kind);
  job.farms = {{farm_url, {}}};
  try {
    make_board_measurer(job);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(FarmBoardMeasurer, AFarmThatDoesNotAnswerIsAnErrorWhenTheJobStarts) {
  ::unsetenv("TINYNAS_FARM_TOKEN");
  const std::string error = measurer_error("http://127.0.0.1:1", "qemu-mps2-an386");
  EXPECT_NE(error.find("farm http://127.0.0.1:1"), std::string::npos) << error;
}

TEST(FarmBoardMeasurer, AFarmWithoutTheJobsBoardKindIsAnErrorNamingItsKinds) {
  ::unsetenv("TINYNAS_FARM_TOKEN");
  profiler::TempDir dir("measurer-test");
  const farm::FarmConfig config = farm::testing::test_config(dir.path(), 1);
  auto control = std::make_shared<farm::testing::FakeFarmControl>();
  farm::Farm farm(config, farm::testing::fake_board_factory(control));
  farm::FarmServer server(farm, config);
  const std::string error = measurer_error(server.url(), "qemu-mps2-an500");
  EXPECT_NE(error.find("qemu-mps2-an500"), std::string::npos) << error;
  EXPECT_NE(error.find(farm::testing::kTestKind), std::string::npos) << error;
  EXPECT_EQ(measurer_error(server.url(), farm::testing::kTestKind), "");
}

}  // namespace
}  // namespace tinynas::nas
