#include "nas/search/progress_bar.h"

#include <unistd.h>

namespace tinynas::nas {
namespace {
constexpr int kBarWidth = 30;
constexpr int kTenths = 10;
}  // namespace

ProgressBars::ProgressBars(std::FILE* stream)
    : stream_(stream),
      tty_(isatty(fileno(stream)) != 0),
      start_(std::chrono::steady_clock::now()) {}

void ProgressBars::interrupt() {
  if (open_line_) std::fputc('\n', stream_);
  open_line_ = false;
}

void ProgressBars::update(const std::string& phase, int64_t done, int64_t total) {
  if (phase != phase_ || done < 1) {
    interrupt();
    phase_ = phase;
    last_tenth_ = -1;
    start_ = std::chrono::steady_clock::now();
  }
  if (total <= 0) return;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int filled = static_cast<int>(fraction * kBarWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kBarWidth - filled), '.');
  if (tty_) {
    std::fprintf(stream_, "\r%-20s [%s] %lld/%lld  %.0fs", phase.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), seconds);
    open_line_ = true;
    if (done >= total) interrupt();
  } else {
    const int tenth = static_cast<int>(fraction * kTenths);
    if (tenth == last_tenth_) return;
    last_tenth_ = tenth;
    std::fprintf(stream_, "%-20s [%s] %lld/%lld  %.0fs\n", phase.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), seconds);
  }
  std::fflush(stream_);
}

}  // namespace tinynas::nas
