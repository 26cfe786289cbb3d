// Assembles MLPerf Tiny commands from serial bytes: a command ends at '%' and holds at most
// kMaxCommand characters (the benchmark's command buffer size). Carriage returns and line feeds
// are dropped, so a person may type commands in a terminal. A longer command is not truncated
// into something else: it is reported as kOverlong when its '%' arrives.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::mlperf_tiny {

inline constexpr size_t kMaxCommand = 80;
inline constexpr char kCommandTerminator = '%';

class LineReader {
 public:
  enum class Event : uint8_t { kNone, kCommand, kOverlong };

  // kCommand: command() holds the text (NUL-terminated) until the next push.
  Event push(uint8_t byte);
  void reset();
  const char* command() const { return buffer_; }
  size_t size() const { return size_; }

 private:
  char buffer_[kMaxCommand + 1] = {};
  size_t size_ = 0;
  bool overlong_ = false;
};

}  // namespace tinynas::firmware::mlperf_tiny
