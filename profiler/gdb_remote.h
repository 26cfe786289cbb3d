// A client of the GDB remote serial protocol (RSP), the protocol QEMU's gdbstub (`-gdb`),
// OpenOCD (port 3333) and st-util (port 4242) speak: `$data#checksum` packets, each
// acknowledged with '+', answered with one reply packet. Only what writing a model into a
// board's memory needs: attach (the target halts), write and read memory, detach (it resumes).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "profiler/transport.h"

namespace tinynas::profiler {

// The GDB server refused a request or broke the protocol. The message names the server.
class GdbRemoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A packet's checksum: the sum of its data bytes modulo 256.
uint8_t gdb_checksum(const std::string& data);
// `$data#xx` with the characters RSP reserves ('#', '$', '}', '*') escaped.
std::string gdb_packet(const std::string& data);

class GdbRemote {
 public:
  // `address`: "unix:PATH" or "tcp:HOST:PORT". Connects, halts the target (a GDB server halts
  // it on attach; '?' reports the stop) and learns the server's packet size (qSupported).
  explicit GdbRemote(const std::string& address,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~GdbRemote();
  GdbRemote(const GdbRemote&) = delete;
  GdbRemote& operator=(const GdbRemote&) = delete;

  // Writes `size` bytes at `address` in packets as large as the server takes: binary X packets
  // when the server has them, else hex M packets.
  void write_memory(uint32_t address, const uint8_t* data, std::size_t size);
  std::vector<uint8_t> read_memory(uint32_t address, std::size_t size);
  // Resumes the target and closes the connection (the target keeps running). Idempotent.
  void detach();

  const std::string& address() const { return address_; }
  std::size_t packet_size() const { return packet_size_; }

 private:
  std::string exchange(const std::string& data);  // one request, its reply's data
  void send_packet(const std::string& data);
  std::string receive_packet();
  char read_char();
  void expect_ok(const std::string& reply, const std::string& what);

  std::string address_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Transport> transport_;
  std::size_t packet_size_ = 0;
  bool binary_writes_ = true;  // until the server answers an X packet with an empty reply
  std::vector<uint8_t> buffer_;
  std::size_t buffer_position_ = 0;
};

}  // namespace tinynas::profiler
