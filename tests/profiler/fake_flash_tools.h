// Fake openocd / st-flash / stm32flash executables for tests (no probe is attached here): each
// records its arguments, one per line, in <dir>/<tool>.args, prints $FAKE_FLASH_STDERR to
// stderr and exits with $FAKE_FLASH_EXIT (0 when unset). When $FAKE_FLASH_WRITES is set, the
// tool copies the image it was given there, as if it had put it on a board. The directory is put
// first on PATH for the test's lifetime. Also a runner image stand-in holding a version string.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "profiler/qemu_board.h"

namespace tinynas::profiler::testing {

class FakeFlashTools {
 public:
  FakeFlashTools() : dir_("tinynas-fake-flash-") {
    for (const char* tool : {"openocd", "st-flash", "stm32flash"}) {
      const std::string path = dir_.path() + "/" + tool;
      std::ofstream(path) << "#!/bin/sh\n"
                          << "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" << dir_.path()
                          << "/" << tool << ".args\"\n"
                          << "if [ -n \"$FAKE_FLASH_WRITES\" ]; then\n"
                          << "  for a in \"$@\"; do case \"$a\" in\n"
                          << "    *.bin|*.elf) cp \"$a\" \"$FAKE_FLASH_WRITES\";;\n"
                          << "    program\\ *) f=${a#program }; cp \"${f%% *}\" "
                             "\"$FAKE_FLASH_WRITES\";;\n"
                          << "  esac; done\n"
                          << "fi\n"
                          << "[ -n \"$FAKE_FLASH_STDERR\" ] && echo \"$FAKE_FLASH_STDERR\" >&2\n"
                          << "exit ${FAKE_FLASH_EXIT:-0}\n";
      ::chmod(path.c_str(), 0755);
    }
    const char* path = std::getenv("PATH");
    old_path_ = path != nullptr ? path : "";
    ::setenv("PATH", (dir_.path() + ":" + old_path_).c_str(), 1);
    ::unsetenv("FAKE_FLASH_EXIT");
    ::unsetenv("FAKE_FLASH_STDERR");
    ::unsetenv("FAKE_FLASH_WRITES");
  }
  ~FakeFlashTools() {
    ::setenv("PATH", old_path_.c_str(), 1);
    ::unsetenv("FAKE_FLASH_EXIT");
    ::unsetenv("FAKE_FLASH_STDERR");
    ::unsetenv("FAKE_FLASH_WRITES");
  }
  FakeFlashTools(const FakeFlashTools&) = delete;
  FakeFlashTools& operator=(const FakeFlashTools&) = delete;

  // The arguments the tool was last started with (empty when it never ran).
  std::vector<std::string> arguments(const std::string& tool) const {
    std::ifstream in(dir_.path() + "/" + tool + ".args");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  void fail_with(int exit_code, const std::string& stderr_text) {
    ::setenv("FAKE_FLASH_EXIT", std::to_string(exit_code).c_str(), 1);
    ::setenv("FAKE_FLASH_STDERR", stderr_text.c_str(), 1);
  }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string old_path_;
};

// A stand-in runner image: some bytes, the MLPerf name string (which is not the version), the
// version string, NUL-terminated, as the real image holds them.
inline void write_fake_runner_image(const std::string& path, const std::string& version) {
  std::ofstream out(path, std::ios::binary);
  const std::string filler(64, '\x7f');
  out << filler << "tinynas-runner test-board" << '\0' << filler << version << '\0' << filler;
}

}  // namespace tinynas::profiler::testing
