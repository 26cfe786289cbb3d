// One serial line, two protocols: the tinynas framed binary protocol (ProtocolServer) and the
// MLPerf Tiny text protocol (MlperfDut). Every received byte goes to the active one; the line
// switches by itself, so any host can talk to a board without a mode setting:
//  - tinynas -> MLPerf Tiny: a complete MLPerf command, i.e. printable ASCII since the last
//    frame delimiter (0x00) ending in '%'. A tinynas request frame does not look like that: its
//    second byte is the command byte (0x01..0x09), which is not printable, and its first (the
//    COBS code byte) is '%' only when the payload starts with 36 non-zero bytes, which no request
//    of protocol version 1 does (their offsets and counts hold zero bytes early). The bytes of a
//    frame start are held back until that is clear and then given to the frame decoder as sent.
//  - MLPerf Tiny -> tinynas: any byte that is neither printable ASCII nor CR, LF or TAB (a
//    frame delimiter or a frame byte). Hosts of the binary protocol send a 0x00 first when they
//    resync (profiler::BoardClient does), so their next frame arrives whole.
// Freestanding, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/mlperf_tiny/dut.h"
#include "firmware/mlperf_tiny/line_reader.h"
#include "firmware/server/protocol_server.h"

namespace tinynas::firmware::mlperf_tiny {

enum class SerialProtocol : uint8_t { kTinynas, kMlperfTiny };

class ProtocolSwitch {
 public:
  ProtocolSwitch(ProtocolServer& server, MlperfDut& dut, SerialProtocol initial);
  ProtocolSwitch(const ProtocolSwitch&) = delete;
  ProtocolSwitch& operator=(const ProtocolSwitch&) = delete;

  void on_byte(uint8_t byte);
  SerialProtocol active() const { return active_; }

 private:
  void tinynas_byte(uint8_t byte);
  void release_held();

  ProtocolServer& server_;
  MlperfDut& dut_;
  SerialProtocol active_;
  // tinynas mode: bytes since the last delimiter while they are all text (a possible command).
  uint8_t held_[kMaxCommand + 1];
  size_t held_size_ = 0;
  bool text_run_ = true;  // every byte since the last delimiter was text
};

// Printable ASCII, or CR / LF / TAB: what MLPerf Tiny commands are made of.
inline bool is_command_text(uint8_t byte) {
  return (byte >= 0x20 && byte <= 0x7E) || byte == '\r' || byte == '\n' || byte == '\t';
}

}  // namespace tinynas::firmware::mlperf_tiny
