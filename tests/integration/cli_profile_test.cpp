// `tinynas profile` and `tinynas boards` end to end: the command launches the emulated board
// itself and prints the JSON fields the issue promises.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/compiler/model_writer.h"
#include "profiler/qemu_board.h"
#include "tests/integration/test_models.h"

namespace tinynas::profiler {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(CliProfile, JsonReportsMeasuredFiguresAndHostMatch) {
  TempDir dir("tinynas-cli-");
  const std::string model = dir.path() + "/tiny.tnm";
  compiler::write_model_file(model, testing::tiny_mobilenet().bytes);
  const auto result = run_command(std::string(TINYNAS_CLI) + " profile " + model +
                                  " --board qemu-mps2-an386 --runs 2 --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json.at("board"), "qemu-mps2-an386");
  EXPECT_FALSE(json.at("firmware_version").get<std::string>().empty());
  EXPECT_GT(json.at("cycles").get<uint64_t>(), 0u);
  EXPECT_EQ(json.at("per_op_cycles").size(), json.at("op_count").get<std::size_t>());
  EXPECT_EQ(json.at("arena_bytes"), json.at("planned_arena_bytes"));
  EXPECT_GT(json.at("stack_bytes").get<uint32_t>(), 0u);
  EXPECT_TRUE(json.contains("output_crc32"));
  EXPECT_EQ(json.at("output_matches_host"), true);
}

TEST(CliProfile, HumanOutputNamesBoardAndFirmware) {
  TempDir dir("tinynas-cli-");
  const std::string model = dir.path() + "/tiny.tnm";
  compiler::write_model_file(model, testing::tiny_mobilenet().bytes);
  const auto result =
      run_command(std::string(TINYNAS_CLI) + " profile " + model + " --board qemu-mps2-an500");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("board qemu-mps2-an500"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("firmware tinynas-runner"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("matches the host engine bit for bit"), std::string::npos)
      << result.output;
}

TEST(CliProfile, RealBoardWithoutPortIsAClearError) {
  TempDir dir("tinynas-cli-");
  const std::string model = dir.path() + "/tiny.tnm";
  compiler::write_model_file(model, testing::tiny_mobilenet().bytes);
  const auto result =
      run_command(std::string(TINYNAS_CLI) + " profile " + model + " --board stm32f746g-disco");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("stm32f746g-disco is a real board: give its serial port with "
                               "--port"),
            std::string::npos)
      << result.output;
}

TEST(CliBoards, ListsEveryBoardKind) {
  const auto result = run_command(std::string(TINYNAS_CLI) + " boards --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  std::vector<std::string> kinds;
  for (const auto& board : json.at("boards")) kinds.push_back(board.at("kind"));
  for (const char* kind :
       {"qemu-mps2-an386", "qemu-mps2-an500", "qemu-netduinoplus2", "stm32f746g-disco"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }
  EXPECT_TRUE(json.at("serial_ports").is_array());
}

}  // namespace
}  // namespace tinynas::profiler
