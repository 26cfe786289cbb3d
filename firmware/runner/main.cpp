// The runner firmware: bring the board up, then answer protocol frames forever.
#include "firmware/board/board.h"
#include "firmware/runner/runner.h"

#ifndef TINYNAS_FIRMWARE_VERSION
#error "TINYNAS_FIRMWARE_VERSION must be defined by the firmware build"
#endif

namespace tinynas::firmware {
namespace {

Runner& runner() {
  static Runner instance(board_facts(), runner_memory(), server_platform(),
                         TINYNAS_FIRMWARE_VERSION);
  return instance;
}

}  // namespace
}  // namespace tinynas::firmware

extern "C" void tinynas_firmware_main() {
  using namespace tinynas::firmware;
  board_init();
  serve_serial_port(runner().server());
}
