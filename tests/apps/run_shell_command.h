// A shell command line run to its end, as the command-line tests run `tinynas`: its exit code and
// what it printed (stdout and stderr together).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace tinynas::testing {

struct CommandResult {
  int exit_code = -1;  // -1: not started, or ended by a signal
  std::string output;  // stdout and stderr together
};

inline CommandResult run_shell_command(const std::string& command_line) {
  const std::string command = command_line + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace tinynas::testing
