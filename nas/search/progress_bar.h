// One progress bar per phase on a terminal ("stage 1  [#####.....]  412/1000  12s"), redrawn in
// place on a TTY; on a pipe or log file a line every tenth of the way instead, so logs stay
// readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tinynas::nas {

class ProgressBars {
 public:
  explicit ProgressBars(std::FILE* stream = stderr);
  // Shows `phase` at done/total; a new phase name finishes the previous bar.
  void update(const std::string& phase, int64_t done, int64_t total);
  // Ends the current bar's line (before printing other text).
  void interrupt();

 private:
  std::FILE* stream_;
  bool tty_;
  std::string phase_;
  int last_tenth_ = -1;
  bool open_line_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tinynas::nas
