// The runner firmware: bring the board up, then answer whoever talks on the serial line: the
// tinynas protocol (the default at boot) or the MLPerf Tiny benchmark protocol, which the first
// MLPerf command switches to (mlperf_tiny/protocol_switch.h); models are uploaded with the
// tinynas protocol.
#include "firmware/board/board.h"
#include "firmware/mlperf_tiny/dut.h"
#include "firmware/mlperf_tiny/protocol_switch.h"
#include "firmware/runner/runner.h"

#ifndef TINYNAS_FIRMWARE_VERSION_HEADER
#error "TINYNAS_FIRMWARE_VERSION_HEADER must be defined by the firmware build"
#endif
#include TINYNAS_FIRMWARE_VERSION_HEADER  // TINYNAS_FIRMWARE_VERSION, rewritten at build time

namespace tinynas::firmware {
namespace {

Runner& runner() {
  static Runner instance(board_facts(), runner_memory(), server_platform(),
                         TINYNAS_FIRMWARE_VERSION);
  return instance;
}

mlperf_tiny::MlperfDut& mlperf_dut() {
  static mlperf_tiny::MlperfDut instance("tinynas-runner " TINYNAS_BOARD_KIND,
                                         TINYNAS_FIRMWARE_VERSION, th_port(), runner().th_model());
  return instance;
}

}  // namespace
}  // namespace tinynas::firmware

extern "C" void tinynas_firmware_main() {
  using namespace tinynas::firmware;
  board_init();
  static mlperf_tiny::ProtocolSwitch line(runner().server(), mlperf_dut(),
                                          mlperf_tiny::SerialProtocol::kTinynas);
  serve_serial_port(line);
}
