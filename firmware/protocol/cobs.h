// Consistent Overhead Byte Stuffing (Cheshire & Baker, IEEE/ACM ToN 1999): removes every 0x00
// from a byte string so 0x00 can delimit frames. Streaming encoder (the frame is the payload
// followed by its CRC, encoded without copying both into one buffer) and an in-place decoder.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::protocol {

// Encodes bytes pushed one at a time into a caller buffer. overflowed() reports a buffer that
// was too small; the output is then unusable.
class CobsEncoder {
 public:
  CobsEncoder(uint8_t* out, size_t capacity);
  void push(uint8_t byte);
  void push(const uint8_t* data, size_t size);
  // Closes the last run; returns the encoded size (0 on overflow). Adds no delimiter.
  size_t finish();
  bool overflowed() const { return overflowed_; }

 private:
  void put(size_t index, uint8_t byte);
  void close_run(bool next_run_follows);

  uint8_t* out_;
  size_t capacity_;
  size_t size_ = 1;         // out_[0] is reserved for the first code byte
  size_t code_index_ = 0;   // where the current run's code byte goes
  uint8_t run_length_ = 1;  // code byte value = non-zero bytes in the run + 1
  bool overflowed_ = false;
};

// Decodes `size` encoded bytes (without the 0x00 delimiter) in place. Returns false when a code
// byte is 0x00 or points past the end. On success *decoded_size is the decoded length.
bool cobs_decode_in_place(uint8_t* data, size_t size, size_t* decoded_size);

}  // namespace tinynas::firmware::protocol
