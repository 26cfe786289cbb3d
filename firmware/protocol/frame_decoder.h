// Streaming frame decoder: feed received bytes one at a time; a 0x00 delimiter completes a
// frame, which is COBS-decoded and CRC-checked. Errors are explicit and the decoder resyncs at
// the next delimiter by itself. Empty frames (two delimiters in a row) are ignored, so a sender
// may prefix a 0x00 to flush a half-received frame on the other side.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {

enum class DecodeEvent : uint8_t {
  kNone = 0,   // byte consumed, frame not complete
  kFrame = 1,  // payload() / payload_size() hold a verified payload until the next push()
  kError = 2,  // error() says why; the decoder is ready for the next frame
};

class FrameDecoder {
 public:
  DecodeEvent push(uint8_t byte);
  void reset();

  const uint8_t* payload() const { return buffer_; }
  size_t payload_size() const { return payload_size_; }
  FrameError error() const { return error_; }

 private:
  DecodeEvent finish_frame();

  uint8_t buffer_[kMaxEncodedFrame];
  size_t size_ = 0;
  size_t payload_size_ = 0;
  bool overflowed_ = false;
  FrameError error_ = FrameError::kNone;
};

}  // namespace tinynas::firmware::protocol
