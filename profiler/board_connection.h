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
};

class BoardConnection {
 public:
  // Throws BoardSpecError (unknown kind, real board without a port), ProcessError / BoardError
  // (board does not come up or reports another kind), TransportError (port cannot be opened).
  BoardConnection(const std::string& kind, const BoardConnectionOptions& options);

  BoardClient& client();
  const BoardInfo& info() const;
  const BoardSpec& spec() const { return spec_; }
  // Launched QEMU board, or nullptr when the board is on a port.
  QemuBoard* emulated() { return qemu_.get(); }

 private:
  BoardSpec spec_;
  std::unique_ptr<QemuBoard> qemu_;
  std::unique_ptr<BoardClient> client_;
  BoardInfo info_;
};

}  // namespace tinynas::profiler
