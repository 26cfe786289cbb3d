#include "profiler/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace tinynas::profiler {
namespace {

using Clock = std::chrono::steady_clock;

// After SIGKILL the kernel tears the process down promptly; wait this long before giving up.
constexpr std::chrono::milliseconds kReapTimeout{5000};
constexpr std::chrono::milliseconds kReapPollInterval{2};
// Child exit code when exec failed (the errno reaches the parent through a pipe).
constexpr int kExecFailedExitCode = 127;

// close_range(2)'s flag: mark the range close-on-exec instead of closing it (Linux 5.11).
constexpr unsigned kCloseRangeCloexec = 1u << 2;
constexpr int kFirstInheritable = 3;  // after stdin, stdout, stderr

// In the child, between fork and exec (async-signal-safe calls only): every descriptor but the
// standard ones is closed on exec, also those the host opened without O_CLOEXEC (Asio's
// sockets, for one): a board must not hold the farm's port or any other file of the host.
void close_inherited_on_exec(long max_fd) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, static_cast<unsigned>(kFirstInheritable), ~0u,
                kCloseRangeCloexec) == 0) {
    return;
  }
#endif
  for (long fd = kFirstInheritable; fd < max_fd; ++fd) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
}

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) throw ProcessError("cannot start a process without a program name");
  // Everything the child needs is prepared before fork(): only async-signal-safe calls after it.
  std::vector<char*> arguments;
  for (const std::string& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);

  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    throw ProcessError(log_path + ": cannot create log file: " + std::strerror(errno));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int exec_pipe[2] = {-1, -1};
  if (null_fd < 0 || ::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    close_fd(log_fd);
    close_fd(null_fd);
    throw ProcessError("cannot prepare to start " + argv[0] + ": " + std::strerror(error));
  }
  const pid_t parent = ::getpid();
  const long max_fd = ::sysconf(_SC_OPEN_MAX);
  const pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);
    // The kernel kills the child when the parent (strictly: the forking thread) dies.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kExecFailedExitCode);  // parent died before prctl
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    close_inherited_on_exec(max_fd);
    ::execvp(arguments[0], arguments.data());
    const int error = errno;
    [[maybe_unused]] const ssize_t written = ::write(exec_pipe[1], &error, sizeof(error));
    ::_exit(kExecFailedExitCode);
  }
  const int fork_error = errno;
  close_fd(log_fd);
  close_fd(null_fd);
  close_fd(exec_pipe[1]);
  if (child < 0) {
    close_fd(exec_pipe[0]);
    throw ProcessError("cannot fork to start " + argv[0] + ": " + std::strerror(fork_error));
  }
  pid_ = child;
  ::setpgid(child, child);  // also here, so the group exists before either side proceeds
  // The pipe closes on a successful exec (O_CLOEXEC) or carries the child's errno.
  int exec_error = 0;
  ssize_t n = 0;
  do {
    n = ::read(exec_pipe[0], &exec_error, sizeof(exec_error));
  } while (n < 0 && errno == EINTR);
  close_fd(exec_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof(exec_error))) {
    kill();
    throw ProcessError("cannot execute " + argv[0] + ": " + std::strerror(exec_error));
  }
}

ChildProcess::~ChildProcess() { kill(); }

bool ChildProcess::running() {
  if (pid_ < 0 || wait_status_) return false;
  int status = 0;
  const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
  if (reaped == pid_) {
    wait_status_ = status;
    return false;
  }
  return true;
}

std::string ChildProcess::exit_description() const {
  if (!wait_status_) return "still running";
  const int status = *wait_status_;
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "ended (wait status " + std::to_string(status) + ")";
}

std::optional<int> ChildProcess::exit_code() const {
  if (!wait_status_ || !WIFEXITED(*wait_status_)) return std::nullopt;
  return WEXITSTATUS(*wait_status_);
}

void ChildProcess::kill() {
  if (pid_ < 0 || wait_status_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  const auto deadline = Clock::now() + kReapTimeout;
  while (running() && Clock::now() < deadline) std::this_thread::sleep_for(kReapPollInterval);
}

void ChildProcess::suspend() {
  if (pid_ >= 0 && !wait_status_) ::kill(pid_, SIGSTOP);
}

void ChildProcess::resume() {
  if (pid_ >= 0 && !wait_status_) ::kill(pid_, SIGCONT);
}

}  // namespace tinynas::profiler
