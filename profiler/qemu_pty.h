// An emulated board whose UART is a pseudo-terminal (QEMU `-serial pty`): any tty client (the
// MLPerf Tiny reference runner's pyserial, screen, `tinynas benchmark --port /dev/pts/N`) can
// talk to it as to a real board on a USB serial adapter. QEMU prints the terminal it allocated;
// nothing outlives the object (see child_process.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "profiler/board_spec.h"
#include "profiler/child_process.h"
#include "profiler/qemu_board.h"

namespace tinynas::profiler {

// The QEMU command line of qemu_command_line() with `serial` as the first serial port's
// backend instead of the unix socket (e.g. "pty", or "unix:PATH,server=on,wait=on").
std::vector<std::string> qemu_command_line_with_serial(const BoardSpec& spec,
                                                       const std::string& firmware,
                                                       const std::string& serial);

class QemuPty {
 public:
  // Starts QEMU on `firmware` (empty: the board's runner image) and waits until it names its
  // pseudo-terminal. Throws ProcessError with QEMU's output when it does not.
  explicit QemuPty(const BoardSpec& spec, const std::string& firmware = "",
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));
  ~QemuPty();
  QemuPty(const QemuPty&) = delete;
  QemuPty& operator=(const QemuPty&) = delete;

  const std::string& path() const { return path_; }  // /dev/pts/N
  const std::string& firmware_path() const { return firmware_; }
  bool running() { return process_->running(); }

 private:
  TempDir dir_;
  std::string firmware_;
  std::unique_ptr<ChildProcess> process_;
  std::string path_;
  int cleanup_slot_ = -1;  // interrupt_cleanup.h registration
};

}  // namespace tinynas::profiler
