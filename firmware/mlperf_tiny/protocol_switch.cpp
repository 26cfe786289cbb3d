#include "firmware/mlperf_tiny/protocol_switch.h"

#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::mlperf_tiny {

ProtocolSwitch::ProtocolSwitch(ProtocolServer& server, MlperfDut& dut, SerialProtocol initial)
    : server_(server), dut_(dut), active_(initial) {}

void ProtocolSwitch::on_byte(uint8_t byte) {
  if (active_ == SerialProtocol::kMlperfTiny) {
    if (is_command_text(byte)) {
      dut_.on_byte(byte);
      return;
    }
    dut_.discard_partial_command();
    active_ = SerialProtocol::kTinynas;
    held_size_ = 0;
    text_run_ = true;
  }
  tinynas_byte(byte);
}

void ProtocolSwitch::tinynas_byte(uint8_t byte) {
  if (!text_run_) {
    server_.on_byte(byte);
    if (byte == protocol::kFrameDelimiter) text_run_ = true;
    return;
  }
  if (byte == kCommandTerminator) {
    // A whole command of text (or a lone '%', the reference runner's flush): the host speaks
    // MLPerf Tiny. Replay it to the DUT (an over-long one is held only up to one byte past the
    // limit, which is enough for the DUT to see it).
    active_ = SerialProtocol::kMlperfTiny;
    for (size_t i = 0; i < held_size_; ++i) dut_.on_byte(held_[i]);
    held_size_ = 0;
    dut_.on_byte(byte);
    return;
  }
  if (is_command_text(byte)) {
    if (held_size_ < sizeof(held_)) {
      held_[held_size_++] = byte;
    } else {
      // Longer than any command: the DUT has seen enough to call it over-long; count the rest
      // as one more byte past the limit.
      held_[sizeof(held_) - 1] = byte;
    }
    return;
  }
  // Binary: a frame after all. The held bytes are its start.
  text_run_ = false;
  release_held();
  server_.on_byte(byte);
  if (byte == protocol::kFrameDelimiter) text_run_ = true;
}

void ProtocolSwitch::release_held() {
  for (size_t i = 0; i < held_size_; ++i) server_.on_byte(held_[i]);
  held_size_ = 0;
}

}  // namespace tinynas::firmware::mlperf_tiny
