// A terminal device through plain POSIX termios: pseudo-terminals (QEMU `-serial pty`), which
// libserialport refuses, and any tty when libserialport is not wanted. Raw 8N1 at the given
// baud rate; every wait goes through poll() with the caller's timeout.
#pragma once

#include <chrono>
#include <string>

#include "profiler/transport.h"

namespace tinynas::profiler {

class TtyTransport : public Transport {
 public:
  // Opens and configures `path`; throws TransportError naming it.
  TtyTransport(const std::string& path, int baud);
  ~TtyTransport() override;

  void write(const uint8_t* data, std::size_t size, std::chrono::milliseconds timeout) override;
  ReadResult read(uint8_t* buffer, std::size_t capacity,
                  std::chrono::milliseconds timeout) override;
  void close() override;
  std::string description() const override { return path_; }

 private:
  bool wait(short events, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string path_;
};

// Whether `path` names a pseudo-terminal (/dev/pts/N), which only TtyTransport can open.
bool is_pseudo_terminal_path(const std::string& path);

}  // namespace tinynas::profiler
