#include "firmware/mlperf_tiny/line_reader.h"

namespace tinynas::firmware::mlperf_tiny {

LineReader::Event LineReader::push(uint8_t byte) {
  if (byte == '\r' || byte == '\n') return Event::kNone;
  if (byte == kCommandTerminator) {
    const bool overlong = overlong_;
    buffer_[size_] = '\0';
    size_ = 0;
    overlong_ = false;
    return overlong ? Event::kOverlong : Event::kCommand;
  }
  if (size_ == kMaxCommand) {
    overlong_ = true;
    return Event::kNone;
  }
  buffer_[size_++] = static_cast<char>(byte);
  return Event::kNone;
}

void LineReader::reset() {
  size_ = 0;
  overlong_ = false;
  buffer_[0] = '\0';
}

}  // namespace tinynas::firmware::mlperf_tiny
