// One board as the farm sees it: something that can be brought up, measure a model, and be
// hard-reset after a failure. The daemon's workers only talk to this interface, so the queue,
// retry and quarantine logic can be tested with fake boards, and emulated and real boards share
// one code path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "profiler/board_client.h"
#include "profiler/profile.h"

namespace tinynas::farm {

class FarmBoard {
 public:
  virtual ~FarmBoard() = default;
  FarmBoard() = default;
  FarmBoard(const FarmBoard&) = delete;
  FarmBoard& operator=(const FarmBoard&) = delete;

  // Brings the board up until it has answered HELLO. Throws (BoardError, ProcessError,
  // TransportError, ...) with a message naming the board when it does not come up.
  virtual void start() = 0;
  // HELLO reply of the running board (valid after start() / recover() succeeded).
  virtual const profiler::BoardInfo& info() const = 0;
  // Upload, run, fetch; throws BoardError and friends on failure.
  virtual profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                          const profiler::ProfileOptions& options) = 0;
  // Hard reset after a failure (emulated: restart QEMU; real: RESET, else reopen the port),
  // ending with a HELLO. Throws when the board stays down.
  virtual void recover() = 0;
  // Called from another thread while the farm shuts down: make a measure() in progress fail
  // soon (emulated boards kill QEMU). Must be safe to call at any time.
  virtual void interrupt() {}
  // Process id of an emulated board's QEMU, -1 otherwise (shown in /v1/boards for operators).
  virtual int pid() const { return -1; }
  // Where the board is: "emulated (qemu-system-arm mps2-an386)", "/dev/ttyACM0".
  virtual std::string location() const = 0;
};

}  // namespace tinynas::farm
