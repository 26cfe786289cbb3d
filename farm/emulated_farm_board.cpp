#include "farm/emulated_farm_board.h"

#include <signal.h>

#include <stdexcept>

namespace tinynas::farm {

EmulatedFarmBoard::EmulatedFarmBoard(profiler::BoardSpec spec, profiler::QemuBoardOptions options)
    : spec_(std::move(spec)), options_(std::move(options)) {}

EmulatedFarmBoard::~EmulatedFarmBoard() = default;

void EmulatedFarmBoard::start() {
  pid_ = -1;
  board_.reset();
  board_ = std::make_unique<profiler::QemuBoard>(spec_, options_);
  pid_ = static_cast<int>(board_->pid());
}

const profiler::BoardInfo& EmulatedFarmBoard::info() const {
  if (!board_) throw std::logic_error("board " + spec_.kind + ": info() before start()");
  return board_->info();
}

profiler::ProfileResult EmulatedFarmBoard::measure(const std::vector<uint8_t>& model,
                                                   const profiler::ProfileOptions& options) {
  if (!board_) throw profiler::BoardLinkError("board " + spec_.kind + ": not started");
  profiler::ProfileOptions with_upload = options;
  // The board stays up between jobs: models go straight into its memory through the gdbstub.
  if (with_upload.gdb_server.empty()) with_upload.gdb_server = board_->gdb_address();
  return profiler::profile_model(board_->client(), board_->info(), model, with_upload);
}

void EmulatedFarmBoard::recover() {
  if (!board_) {
    start();
    return;
  }
  pid_ = -1;
  board_->restart();
  pid_ = static_cast<int>(board_->pid());
}

void EmulatedFarmBoard::interrupt() {
  // Only a signal: the QemuBoard object belongs to the worker thread. The worker's pending read
  // then fails with a link error and the worker winds down.
  const int pid = pid_.load();
  if (pid > 0) ::kill(pid, SIGKILL);
}

std::string EmulatedFarmBoard::location() const {
  const std::string machine = spec_.emulator ? spec_.emulator->machine : std::string("?");
  return "emulated (qemu " + machine + ")";
}

}  // namespace tinynas::farm
