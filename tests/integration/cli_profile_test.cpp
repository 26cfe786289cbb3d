// `tinynas profile` and `tinynas boards` end to end: the command launches the emulated board
// itself and prints the JSON fields the issue promises.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

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

// Reaching a board through --port: a QEMU board whose socket this test frees for the command.
TEST(CliProfile, PortReachesARunnerBehindASocket) {
  QemuBoard board(find_board_spec("qemu-mps2-an386"));
  board.client().transport().close();  // QEMU's socket server takes one client at a time
  TempDir dir("tinynas-cli-");
  const std::string model = dir.path() + "/tiny.tnm";
  compiler::write_model_file(model, testing::tiny_mobilenet().bytes);
  const auto result =
      run_command(std::string(TINYNAS_CLI) + " profile " + model +
                  " --board qemu-mps2-an386 --json --port unix:" + board.socket_path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json.at("port"), "unix:" + board.socket_path());
  EXPECT_EQ(json.at("output_matches_host"), true);
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the parenthesised command: state, ppid, ...
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) {
      children.push_back(std::stoi(name));
    }
  }
  return children;
}

bool process_gone(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::kill(pid, 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct LongProfile {
  pid_t command = -1;
  std::vector<pid_t> qemu;  // the QEMU it launched
};

// `tinynas profile` of a long run with $TMPDIR set to `private_tmp`, once it has launched QEMU.
LongProfile start_long_profile(const std::string& model, const std::string& private_tmp) {
  const std::string cli = TINYNAS_CLI;
  LongProfile profile;
  profile.command = ::fork();
  if (profile.command == 0) {
    ::setenv("TMPDIR", private_tmp.c_str(), 1);
    ::execl(cli.c_str(), cli.c_str(), "profile", model.c_str(), "--board", "qemu-mps2-an386",
            "--runs", "100000", "--json", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (profile.command > 0 && profile.qemu.empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    profile.qemu = children_of(profile.command);
  }
  return profile;
}

// Ctrl-C during a long profile: QEMU dies with the command and its temp dir is removed.
TEST(CliProfile, InterruptLeavesNoQemuAndNoTempDir) {
  TempDir dir("tinynas-cli-");
  const std::string model = dir.path() + "/tiny.tnm";
  compiler::write_model_file(model, testing::tiny_mobilenet().bytes);
  const std::string private_tmp = dir.path() + "/tmp";
  std::filesystem::create_directory(private_tmp);
  const LongProfile profile = start_long_profile(model, private_tmp);
  ASSERT_GE(profile.command, 0);
  ASSERT_EQ(profile.qemu.size(), 1u) << "the command did not launch QEMU";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(::kill(profile.command, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(profile.command, &status, 0), profile.command);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
  EXPECT_TRUE(process_gone(profile.qemu[0]))
      << "QEMU " << profile.qemu[0] << " outlived the command";
  EXPECT_TRUE(std::filesystem::is_empty(private_tmp)) << "temp dir left in " << private_tmp;
}

// kill -9 of the command: QEMU dies with it, but nothing is left to remove its temp dir; the
// next command that launches a board removes it.
TEST(CliProfile, TheNextRunRemovesTheTempDirOfAKilledOne) {
  TempDir dir("tinynas-cli-");
  const std::string model = dir.path() + "/tiny.tnm";
  compiler::write_model_file(model, testing::tiny_mobilenet().bytes);
  const std::string private_tmp = dir.path() + "/tmp";
  std::filesystem::create_directory(private_tmp);
  const LongProfile killed = start_long_profile(model, private_tmp);
  ASSERT_GE(killed.command, 0);
  ASSERT_EQ(killed.qemu.size(), 1u) << "the command did not launch QEMU";
  ASSERT_EQ(::kill(killed.command, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(killed.command, &status, 0), killed.command);
  EXPECT_TRUE(process_gone(killed.qemu[0])) << "QEMU " << killed.qemu[0] << " outlived the command";
  ASSERT_FALSE(std::filesystem::is_empty(private_tmp)) << "kill -9 left no temp dir to clean";
  const CommandResult next = run_command("TMPDIR=" + private_tmp + " " + TINYNAS_CLI + " profile " +
                                         model + " --board qemu-mps2-an386 --json");
  ASSERT_EQ(next.exit_code, 0) << next.output;
  EXPECT_TRUE(std::filesystem::is_empty(private_tmp)) << "temp dir left in " << private_tmp;
}

TEST(CliBoards, ListsEveryBoardKind) {
  const auto result = run_command(std::string(TINYNAS_CLI) + " boards --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  std::vector<std::string> kinds;
  for (const auto& board : json.at("boards")) kinds.push_back(board.at("kind"));
  for (const char* kind :
       {"qemu-mps2-an386", "qemu-mps2-an500", "qemu-netduinoplus2", "stm32f746g-disco",
        "qemu-mps2-an385",      // Cortex-M3
        "qemu-mps2-an505",      // Cortex-M33
        "qemu-riscv32-virt",    // RV32IMAC
        "qemu-mps3-an547",      // Cortex-M55
        "arduino-nano-33-ble",  // nRF52840
        "nucleo-h743zi"}) {     // STM32H743
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }
  EXPECT_TRUE(json.at("serial_ports").is_array());
}

}  // namespace
}  // namespace tinynas::profiler
