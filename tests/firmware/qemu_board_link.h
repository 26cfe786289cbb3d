// Test helper: boots a runner image under QEMU (the board file's emulator) with its serial port on
// a Unix socket and exchanges protocol frames with it. Every wait has a timeout; the QEMU process
// is killed in the destructor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/protocol/messages.h"

namespace tinynas::firmware::testing {

struct Reply {
  protocol::ReplyHeader header;
  std::vector<uint8_t> body;
};

class QemuBoardLink {
 public:
  // Throws std::runtime_error when QEMU does not start or the socket does not come up.
  // `qemu` is the executable (qemu-system-arm, qemu-system-riscv32), `extra_args` the board
  // file's further emulator arguments.
  QemuBoardLink(const std::string& elf, const std::string& qemu, const std::string& machine,
                int icount_shift, const std::vector<std::string>& extra_args = {});
  ~QemuBoardLink();
  QemuBoardLink(const QemuBoardLink&) = delete;
  QemuBoardLink& operator=(const QemuBoardLink&) = delete;

  void send_raw(const std::vector<uint8_t>& bytes);
  void send_payload(const std::vector<uint8_t>& payload);
  Reply receive(int timeout_ms = 10000);  // throws on timeout or a corrupt reply frame
  Reply request(protocol::Command command, const std::vector<uint8_t>& body);

 private:
  void wait_until_ready();  // throws when the board never answers HELLO

  int pid_ = -1;
  int socket_ = -1;
  std::string directory_;
  std::vector<uint8_t> pending_;
  uint8_t sequence_ = 0;
};

template <typename Message>
std::vector<uint8_t> encode_body(const Message& message) {
  std::vector<uint8_t> bytes(protocol::kMaxBody);
  protocol::ByteWriter out(bytes.data(), bytes.size());
  encode(out, message);
  bytes.resize(out.ok() ? out.size() : 0);
  return bytes;
}

template <typename Message>
bool decode_body(const Reply& reply, Message& message) {
  protocol::ByteReader in(reply.body.data(), reply.body.size());
  return decode(in, message);
}

}  // namespace tinynas::firmware::testing
