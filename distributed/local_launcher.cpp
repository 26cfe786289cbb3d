#include "distributed/local_launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

#include "distributed/world_settings.h"

namespace tinynas::distributed {
namespace {

constexpr const char* kLoopbackAddress = "127.0.0.1";
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// A stopped worker gets this long to exit after SIGTERM before SIGKILL.
constexpr auto kStopGrace = std::chrono::seconds(5);

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

[[noreturn]] void exec_worker(const std::vector<std::string>& arguments, int rank, int nproc,
                              int port) {
  setenv(kMasterAddressVariable, kLoopbackAddress, 1);
  setenv(kMasterPortVariable, std::to_string(port).c_str(), 1);
  setenv(kRankVariable, std::to_string(rank).c_str(), 1);
  setenv(kLocalRankVariable, std::to_string(rank).c_str(), 1);
  setenv(kWorldSizeVariable, std::to_string(nproc).c_str(), 1);
  std::vector<std::string> argv_strings{"tinynas"};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "worker %d: cannot run /proc/self/exe: %s\n", rank, std::strerror(errno));
  _exit(127);
}

// SIGTERM to every worker still running, SIGKILL to those still there after the grace period.
void stop_workers(std::vector<pid_t>& running) {
  for (pid_t pid : running) kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (!running.empty()) {
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      if (waitpid(running[i], &status, WNOHANG) == running[i]) {
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      for (pid_t pid : running) kill(pid, SIGKILL);
      for (pid_t pid : running) waitpid(pid, nullptr, 0);
      running.clear();
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  inet_pton(AF_INET, kLoopbackAddress, &address.sin_addr);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string reason = std::strerror(errno);
    close(fd);
    throw std::runtime_error("no free port on " + std::string(kLoopbackAddress) + ": " + reason);
  }
  close(fd);
  return ntohs(address.sin_port);
}

void run_local_workers(int nproc, const std::vector<std::string>& arguments) {
  if (nproc < 1)
    throw std::invalid_argument("--nproc " + std::to_string(nproc) + ": expected >= 1");
  const int port = free_loopback_port();
  std::vector<pid_t> running;
  std::vector<int> ranks;  // of running[i]
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) {
      const std::string reason = std::strerror(errno);
      stop_workers(running);
      throw std::runtime_error("cannot start worker " + std::to_string(rank) + ": " + reason);
    }
    if (pid == 0) exec_worker(arguments, rank, nproc, port);
    running.push_back(pid);
    ranks.push_back(rank);
  }
  std::optional<std::string> failure;
  while (!running.empty() && !failure) {
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      if (waitpid(running[i], &status, WNOHANG) != running[i]) {
        ++i;
        continue;
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        failure = "worker " + std::to_string(ranks[i]) + " of " + std::to_string(nproc) + " " +
                  describe_status(status);
      }
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      ranks.erase(ranks.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (!failure) std::this_thread::sleep_for(kPollInterval);
  }
  if (failure) {
    stop_workers(running);
    throw std::runtime_error("distributed training: " + *failure +
                             (nproc > 1 ? "; the other workers were stopped" : ""));
  }
}

}  // namespace tinynas::distributed
