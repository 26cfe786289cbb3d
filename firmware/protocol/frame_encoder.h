// Builds one wire frame: COBS(payload || CRC-32(payload) LE) || 0x00, into a caller buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::protocol {

// Returns the frame size in bytes, or 0 when size > kMaxPayload or the frame does not fit in
// `capacity` (kMaxEncodedFrame always suffices).
size_t encode_frame(const uint8_t* payload, size_t size, uint8_t* out, size_t capacity);

}  // namespace tinynas::firmware::protocol
