// A child process that cannot outlive us: it runs in its own process group (so a terminal's
// Ctrl-C reaches only the host, which then takes the child down), gets SIGKILL from the kernel
// when the host dies for any reason (prctl(PR_SET_PDEATHSIG)), and is killed and reaped by the
// destructor. Used for QEMU boards.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::profiler {

class ProcessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ChildProcess {
 public:
  // Starts argv[0] (looked up on PATH) with stdin from /dev/null and stdout+stderr appended to
  // `log_path`. Throws ProcessError when it cannot be started (names the program and why).
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // False once the process has exited (reaps it); exit_description() then says how.
  bool running();
  std::string exit_description() const;
  // The exit status once it exited normally; nullopt while running or when a signal ended it.
  std::optional<int> exit_code() const;
  // SIGKILL to the whole process group, then reap (bounded wait). Idempotent.
  void kill();
  // Stops/continues the process (SIGSTOP / SIGCONT): a board that stops answering, in tests.
  void suspend();
  void resume();

 private:
  pid_t pid_ = -1;
  std::optional<int> wait_status_;
};

}  // namespace tinynas::profiler
