#include "firmware/protocol/cobs.h"

#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {

namespace {
constexpr uint8_t kFullRunCode = static_cast<uint8_t>(kCobsMaxRun + 1);  // 0xFF: no zero follows
}

CobsEncoder::CobsEncoder(uint8_t* out, size_t capacity) : out_(out), capacity_(capacity) {
  if (capacity_ == 0) overflowed_ = true;
}

void CobsEncoder::put(size_t index, uint8_t byte) {
  if (index >= capacity_) {
    overflowed_ = true;
    return;
  }
  out_[index] = byte;
}

void CobsEncoder::close_run(bool next_run_follows) {
  put(code_index_, run_length_);
  if (!next_run_follows) return;
  code_index_ = size_;
  ++size_;
  run_length_ = 1;
}

void CobsEncoder::push(uint8_t byte) {
  if (byte == 0) {
    close_run(true);
    return;
  }
  put(size_, byte);
  ++size_;
  ++run_length_;
  if (run_length_ == kFullRunCode) close_run(true);
}

void CobsEncoder::push(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) push(data[i]);
}

size_t CobsEncoder::finish() {
  close_run(false);
  return overflowed_ ? 0 : size_;
}

bool cobs_decode_in_place(uint8_t* data, size_t size, size_t* decoded_size) {
  size_t read = 0;
  size_t write = 0;
  while (read < size) {
    const uint8_t code = data[read];
    if (code == 0) return false;
    const size_t run = static_cast<size_t>(code) - 1;
    if (read + 1 + run > size) return false;
    // Reading is always at least one byte ahead of writing, so the copy never clobbers input.
    for (size_t i = 0; i < run; ++i) data[write + i] = data[read + 1 + i];
    write += run;
    read += 1 + run;
    if (code != kFullRunCode && read < size) data[write++] = 0;
  }
  *decoded_size = write;
  return true;
}

}  // namespace tinynas::firmware::protocol
