#include "profiler/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "profiler/qemu_board.h"

namespace tinynas::profiler {
namespace {

using Clock = std::chrono::steady_clock;

// True once no process with that pid exists (or only a zombie nobody of ours will reap).
bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(ChildProcess, MissingProgramIsAnErrorNamingIt) {
  TempDir dir("tinynas-test-");
  try {
    ChildProcess process({"tinynas-no-such-program"}, dir.path() + "/log");
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_NE(std::string(e.what()).find("tinynas-no-such-program"), std::string::npos) << e.what();
  }
}

TEST(ChildProcess, KillLeavesNoProcess) {
  TempDir dir("tinynas-test-");
  pid_t pid = -1;
  {
    ChildProcess process({"sleep", "30"}, dir.path() + "/log");
    pid = process.pid();
    EXPECT_TRUE(process.running());
  }  // destructor kills and reaps
  EXPECT_TRUE(gone_within(pid, std::chrono::milliseconds(5000)));
}

TEST(ChildProcess, ReportsHowItExited) {
  TempDir dir("tinynas-test-");
  ChildProcess process({"sh", "-c", "exit 3"}, dir.path() + "/log");
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (process.running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(process.exit_description(), "exited with status 3");
}

// The host process dying without running any destructor (a crash, SIGKILL) must take the child
// with it: PR_SET_PDEATHSIG.
TEST(ChildProcess, DiesWithItsParent) {
  TempDir dir("tinynas-test-");
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t host = ::fork();
  ASSERT_GE(host, 0);
  if (host == 0) {
    auto* process = new ChildProcess({"sleep", "30"}, dir.path() + "/log");  // never destroyed
    const pid_t child = process->pid();
    [[maybe_unused]] const ssize_t n = ::write(pipe_fds[1], &child, sizeof(child));
    ::_exit(0);
  }
  pid_t child = -1;
  ASSERT_EQ(::read(pipe_fds[0], &child, sizeof(child)), static_cast<ssize_t>(sizeof(child)));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  int status = 0;
  ::waitpid(host, &status, 0);
  EXPECT_TRUE(gone_within(child, std::chrono::milliseconds(5000)));
}

// A descriptor the host opened without close-on-exec (as libraries do: Asio's sockets, for
// one) does not reach the child.
TEST(ChildProcess, InheritsNoDescriptorButTheStandardOnes) {
  TempDir dir("tinynas-test-");
  const int leaky = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC
  ASSERT_GE(leaky, 3);
  const std::string log = dir.path() + "/log";
  {
    ChildProcess process({"sh", "-c", "ls /proc/$$/fd"}, log);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (process.running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ::close(leaky);
  std::ifstream in(log);
  std::set<std::string> fds;
  for (std::string fd; in >> fd;) fds.insert(fd);
  // The shell's 0, 1 and 2, and whatever it opened itself to list the directory (after them).
  EXPECT_EQ(fds.count(std::to_string(leaky)), 0u) << "fd " << leaky << " was inherited";
  EXPECT_EQ(fds.count("0") + fds.count("1") + fds.count("2"), 3u);
}

TEST(TempDir, IsRemovedWithItsContents) {
  std::string path;
  {
    TempDir dir("tinynas-test-");
    path = dir.path();
    std::filesystem::create_directory(path + "/sub");
    EXPECT_TRUE(std::filesystem::is_directory(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace tinynas::profiler
