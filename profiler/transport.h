// A byte stream to a board: a serial port, a QEMU unix socket or a loopback TCP socket. The board
// client frames its requests on top of it. Every wait has a timeout; every error names the port.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace tinynas::profiler {

// A transport failed (open, write, read, peer gone). The message names the port or path.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReadResult {
  enum class Kind { kData, kTimeout };
  Kind kind = Kind::kTimeout;
  std::size_t bytes = 0;  // > 0 when kind == kData
  bool timed_out() const { return kind == Kind::kTimeout; }
};

class Transport {
 public:
  virtual ~Transport() = default;
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Writes all bytes or throws TransportError (also when the peer does not take them in time).
  virtual void write(const uint8_t* data, std::size_t size, std::chrono::milliseconds timeout) = 0;
  // Waits at most `timeout` for at least one byte, then returns what is available (up to
  // `capacity`). Throws TransportError when the stream failed or the peer closed it.
  virtual ReadResult read(uint8_t* buffer, std::size_t capacity,
                          std::chrono::milliseconds timeout) = 0;
  // Releases the port; further reads and writes throw. Idempotent.
  virtual void close() = 0;
  // What the transport talks to, for messages: "/dev/ttyACM0", "unix:/tmp/x/serial.sock".
  virtual std::string description() const = 0;
  // Switches the line's baud rate (after the board agreed to, SET_BAUD). Sockets carry no baud
  // rate (QEMU ignores the UART's divider), so the default does nothing.
  virtual void set_baud(int /*baud*/) {}
};

}  // namespace tinynas::profiler
