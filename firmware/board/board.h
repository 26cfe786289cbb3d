// What a board provides to the runner and to exported firmware. Exactly one board_<kind>.cpp is
// linked into each image; the drivers it uses (UART, cycle counter, clocks) live in their own files
// next to it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/runner/runner.h"
#include "firmware/server/protocol_server.h"

namespace tinynas::firmware {

void board_init();  // clocks, serial port, caches; called once from main() before anything else
bool serial_try_read(uint8_t* byte);                  // non-blocking: true when a byte was received
void serial_write(const uint8_t* data, size_t size);  // blocking until queued in the UART
const BoardFacts& board_facts();

// Memory of the runner (runner_memory.cpp): static buffers sized per board at build time.
RunnerMemory runner_memory();

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

// Feeds every byte the serial port receives to `server`, forever.
[[noreturn]] inline void serve_serial_port(ProtocolServer& server) {
  for (;;) {
    uint8_t byte = 0;
    if (serial_try_read(&byte)) server.on_byte(byte);
  }
}

}  // namespace tinynas::firmware
