// The baud-rate divider of a UART clocked at `clock_hz` (rounded to nearest), and whether a
// rate is reachable: the divider within the UART's range and the rate it gives within 2% of
// the one asked for (8N1 framing tolerates about 4% between the two ends, half each).
#pragma once

#include <stdint.h>

namespace tinynas::firmware {

inline constexpr uint32_t kMaxBaudErrorPercent = 2;

inline uint32_t uart_divider(uint32_t clock_hz, uint32_t baud) {
  return static_cast<uint32_t>((static_cast<uint64_t>(clock_hz) + baud / 2) / baud);
}

inline bool uart_baud_reachable(uint32_t clock_hz, uint32_t baud, uint32_t min_divider,
                                uint32_t max_divider) {
  if (baud == 0) return false;
  const uint32_t divider = uart_divider(clock_hz, baud);
  if (divider < min_divider || divider > max_divider) return false;
  const uint64_t actual = clock_hz / divider;
  const uint64_t error = actual > baud ? actual - baud : baud - actual;
  return error * 100 <= static_cast<uint64_t>(baud) * kMaxBaudErrorPercent;
}

}  // namespace tinynas::firmware
