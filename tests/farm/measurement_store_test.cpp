// The measurement store on its own: a damaged or empty database file is refused when the store
// opens, with the path and what to do, instead of failing later in the middle of a job.
#include "farm/measurement_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "profiler/qemu_board.h"
#include "tests/farm/farm_test_models.h"
#include "tests/farm/store_damage.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

std::string open_error(const std::string& path) {
  try {
    MeasurementStore store(path);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

TEST(MeasurementStore, RefusesADamagedDatabaseWhenItOpens) {
  profiler::TempDir dir("store-test");
  const std::string path = dir.path() + "/farm.sqlite";
  {
    MeasurementStore store(path);
    const auto model = testing::tiny_model(1);
    store.put_model(text::sha256_hex(model), model);
    store.add_job(text::sha256_hex(model), "qemu-mps2-an386", 1);
  }
  testing::damage_table(path, "measurements");
  const std::string error = open_error(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
}

TEST(MeasurementStore, AZeroLengthDatabaseFileIsDamageNotAnEmptyStore) {
  profiler::TempDir dir("store-test");
  const std::string path = dir.path() + "/farm.sqlite";
  std::ofstream{path};
  const std::string error = open_error(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
  EXPECT_EQ(std::filesystem::file_size(path), 0u) << "the file is left as it was";
}

TEST(MeasurementStore, AMissingDatabaseIsCreated) {
  profiler::TempDir dir("store-test");
  const std::string path = dir.path() + "/farm.sqlite";
  EXPECT_EQ(open_error(path), "");
  EXPECT_EQ(open_error(path), "") << "and opens again";
}

}  // namespace
}  // namespace tinynas::farm
