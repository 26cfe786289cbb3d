// A board of a given kind, ready for requests: either an emulated board this process launches
// (QEMU, when no port is given) or a board reached on a port (a real board's serial device, or
// unix:/tcp: for a runner started elsewhere). Either way HELLO has been answered and the board
// reported the expected kind.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "profiler/board_client.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"

namespace tinynas::profiler {

struct BoardConnectionOptions {
  std::optional<std::string> port;  // absent: launch the emulated board
  std::optional<int> baud;          // absent: the board file's, else kDefaultBaud
  std::string firmware_path;        // emulated boards: empty = default_firmware_path
  std::string boards_dir = default_boards_dir();
  BoardClientOptions client;
  // Fast model upload (gdb_model_upload.h). Emulated boards: serve QEMU's gdbstub. Boards on a
  // port: the GDB server of their probe, "tcp:localhost:3333" (OpenOCD) or ":4242" (st-util).
  bool emulated_gdb_server = false;
  std::string gdb_server;
  // Boards on a port whose board file gives "serial": {"max_baud": N}: switch to it after HELLO.
  bool negotiate_baud = true;
};

class BoardConnection {
 public:
  // Throws BoardSpecError (unknown kind, real board without a port), ProcessError / BoardError
  // (board does not come up or reports another kind), TransportError (port cannot be opened).
  BoardConnection(const std::string& kind, const BoardConnectionOptions& options);

  BoardClient& client();
  const BoardInfo& info() const;
  const BoardSpec& spec() const { return spec_; }
  // Where the fast upload writes models: QEMU's gdbstub or options.gdb_server; empty: none.
  std::string gdb_address() const;
  // The line's baud rate after any negotiation (0 for emulated boards).
  int baud() const { return baud_; }
  // Launched QEMU board, or nullptr when the board is on a port.
  QemuBoard* emulated() { return qemu_.get(); }

 private:
  BoardSpec spec_;
  std::unique_ptr<QemuBoard> qemu_;
  std::unique_ptr<BoardClient> client_;
  BoardInfo info_;
  std::string gdb_server_;
  int baud_ = 0;
};

}  // namespace tinynas::profiler
