// Transports over POSIX stream sockets: QEMU's `-serial unix:PATH,server=on,wait=off` and
// `-serial tcp:127.0.0.1:PORT,server=on,wait=off` character devices (libserialport refuses
// pseudo-terminals, so emulated boards are reached this way), and socketpairs in tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "profiler/transport.h"

namespace tinynas::profiler {

// Owns a connected stream socket. All waits go through poll() with the caller's timeout.
class SocketTransport : public Transport {
 public:
  // Takes ownership of `fd` (made non-blocking). `description` names the peer in messages.
  SocketTransport(int fd, std::string description);
  ~SocketTransport() override;

  void write(const uint8_t* data, std::size_t size, std::chrono::milliseconds timeout) override;
  ReadResult read(uint8_t* buffer, std::size_t capacity,
                  std::chrono::milliseconds timeout) override;
  void close() override;
  std::string description() const override { return description_; }

 private:
  int fd_ = -1;
  std::string description_;
};

// Connects to a unix-domain stream socket, retrying until `timeout` while the socket file does
// not exist yet or refuses connections (QEMU creates it shortly after it starts).
std::unique_ptr<SocketTransport> connect_unix_socket(const std::string& path,
                                                     std::chrono::milliseconds timeout);

// Connects to host:port over TCP (numeric or resolvable host), retrying until `timeout`.
std::unique_ptr<SocketTransport> connect_tcp(const std::string& host, int port,
                                             std::chrono::milliseconds timeout);

}  // namespace tinynas::profiler
