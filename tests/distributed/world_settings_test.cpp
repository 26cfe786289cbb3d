#include "distributed/world_settings.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace tinynas::distributed {
namespace {

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

std::string error_of(const std::map<std::string, std::string>& variables) {
  try {
    world_from_environment(environment(variables));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(WorldSettings, NoVariablesIsASingleProcessRun) {
  EXPECT_FALSE(world_from_environment(environment({})).has_value());
}

TEST(WorldSettings, ReadsTheTorchrunVariables) {
  const auto world = world_from_environment(environment({{"MASTER_ADDR", "10.0.0.1"},
                                                         {"MASTER_PORT", "29500"},
                                                         {"RANK", "3"},
                                                         {"WORLD_SIZE", "4"},
                                                         {"LOCAL_RANK", "1"}}));
  ASSERT_TRUE(world.has_value());
  EXPECT_EQ(world->master_address, "10.0.0.1");
  EXPECT_EQ(world->master_port, 29500);
  EXPECT_EQ(world->rank, 3);
  EXPECT_EQ(world->world_size, 4);
  EXPECT_EQ(world->local_rank, 1);
}

TEST(WorldSettings, EveryBadVariableIsNamedWithItsValue) {
  const std::string error = error_of(
      {{"MASTER_PORT", "70000"}, {"RANK", "two"}, {"WORLD_SIZE", "0"}, {"LOCAL_RANK", "-1"}});
  EXPECT_NE(error.find("MASTER_ADDR: not set"), std::string::npos) << error;
  EXPECT_NE(error.find("MASTER_PORT=\"70000\": expected 1..65535"), std::string::npos) << error;
  EXPECT_NE(error.find("RANK=\"two\": expected an integer"), std::string::npos) << error;
  EXPECT_NE(error.find("WORLD_SIZE=\"0\": expected 1.."), std::string::npos) << error;
  EXPECT_NE(error.find("LOCAL_RANK=\"-1\""), std::string::npos) << error;
}

TEST(WorldSettings, RankMustBeBelowTheWorldSize) {
  const std::string error =
      error_of({{"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}, {"RANK", "2"}, {"WORLD_SIZE", "2"}});
  EXPECT_NE(error.find("RANK=\"2\": expected 0..1"), std::string::npos) << error;
}

}  // namespace
}  // namespace tinynas::distributed
