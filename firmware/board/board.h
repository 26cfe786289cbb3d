// What a board provides to the runner and to exported firmware. Exactly one board_<kind>.cpp is
// linked into each image; the drivers it uses (UART, cycle counter, clocks) live in their own files
// next to it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/mlperf_tiny/th_port.h"
#include "firmware/server/protocol_server.h"

namespace tinynas::firmware {

void board_init();  // clocks, serial port, caches; called once from main() before anything else
bool serial_try_read(uint8_t* byte);                  // non-blocking: true when a byte was received
void serial_write(const uint8_t* data, size_t size);  // blocking until queued in the UART
// Sleeps (WFI) until the serial port may have received a byte; may return early (any
// interrupt wakes it), so callers poll serial_try_read again.
void serial_wait_readable();
const BoardFacts& board_facts();

// Cycle counter (systick_cycle_counter.cpp or dwt_cycle_counter.cpp).
void cycle_counter_init();
void cycle_counter_restart();
uint64_t cycle_counter_read();

// Stack high-water mark by painting (stack_paint.cpp).
void stack_paint();
uint32_t stack_bytes_used();

// The functions above as the protocol server takes them.
inline ServerPlatform server_platform() {
  return ServerPlatform{serial_write, cycle_counter_restart, cycle_counter_read, stack_paint,
                        stack_bytes_used};
}

// Microseconds on the cycle counter (since its last restart), for MLPerf Tiny timestamps.
inline uint64_t cycle_counter_microseconds() {
  const uint64_t cycles = cycle_counter_read();
  const uint64_t hz = board_facts().clock_hz;
  return cycles / hz * 1000000u + cycles % hz * 1000000u / hz;
}

// The functions above as the MLPerf Tiny device side takes them (th_printf, th_timestamp).
inline mlperf_tiny::ThPort th_port() {
  return mlperf_tiny::ThPort{serial_write, cycle_counter_microseconds};
}

// Feeds every byte the serial port receives to `receiver` (anything with on_byte(uint8_t)),
// forever; sleeps while the line is idle.
template <typename Receiver>
[[noreturn]] inline void serve_serial_port(Receiver& receiver) {
  for (;;) {
    uint8_t byte = 0;
    if (serial_try_read(&byte)) {
      receiver.on_byte(byte);
    } else {
      serial_wait_readable();
    }
  }
}

}  // namespace tinynas::firmware
