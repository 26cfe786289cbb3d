#include "firmware/protocol/frame_encoder.h"

#include "engine/runtime/crc32.h"
#include "firmware/protocol/cobs.h"
#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {

size_t encode_frame(const uint8_t* payload, size_t size, uint8_t* out, size_t capacity) {
  if (size > kMaxPayload || capacity == 0) return 0;
  const uint32_t crc = runtime::crc32(payload, size);
  CobsEncoder encoder(out, capacity - 1);  // keep one byte for the delimiter
  encoder.push(payload, size);
  for (size_t i = 0; i < kCrcSize; ++i) encoder.push(static_cast<uint8_t>(crc >> (8 * i)));
  const size_t encoded = encoder.finish();
  if (encoded == 0) return 0;
  out[encoded] = kFrameDelimiter;
  return encoded + 1;
}

}  // namespace tinynas::firmware::protocol
