#include "firmware/protocol/frame_decoder.h"

#include "engine/runtime/crc32.h"
#include "firmware/protocol/cobs.h"

namespace tinynas::firmware::protocol {

void FrameDecoder::reset() {
  size_ = 0;
  payload_size_ = 0;
  overflowed_ = false;
  error_ = FrameError::kNone;
}

DecodeEvent FrameDecoder::push(uint8_t byte) {
  if (byte != kFrameDelimiter) {
    if (size_ < sizeof(buffer_)) {
      buffer_[size_++] = byte;
    } else {
      overflowed_ = true;  // keep discarding until the delimiter, then report once
    }
    return DecodeEvent::kNone;
  }
  return finish_frame();
}

DecodeEvent FrameDecoder::finish_frame() {
  const size_t encoded_size = size_;
  const bool overflowed = overflowed_;
  size_ = 0;
  overflowed_ = false;
  payload_size_ = 0;
  error_ = FrameError::kNone;
  if (overflowed) {
    error_ = FrameError::kOversize;
    return DecodeEvent::kError;
  }
  if (encoded_size == 0) return DecodeEvent::kNone;
  size_t decoded = 0;
  if (!cobs_decode_in_place(buffer_, encoded_size, &decoded)) {
    error_ = FrameError::kBadCobs;
    return DecodeEvent::kError;
  }
  if (decoded < kCrcSize + kRequestHeaderSize) {
    error_ = FrameError::kTooShort;
    return DecodeEvent::kError;
  }
  const size_t payload_size = decoded - kCrcSize;
  if (payload_size > kMaxPayload) {
    error_ = FrameError::kOversize;
    return DecodeEvent::kError;
  }
  const uint8_t* trailer = buffer_ + payload_size;
  const uint32_t claimed =
      static_cast<uint32_t>(trailer[0]) | (static_cast<uint32_t>(trailer[1]) << 8) |
      (static_cast<uint32_t>(trailer[2]) << 16) | (static_cast<uint32_t>(trailer[3]) << 24);
  if (runtime::crc32(buffer_, payload_size) != claimed) {
    error_ = FrameError::kCrcMismatch;
    return DecodeEvent::kError;
  }
  payload_size_ = payload_size;
  return DecodeEvent::kFrame;
}

}  // namespace tinynas::firmware::protocol
