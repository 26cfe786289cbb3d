// Cycle counter from the RISC-V mcycle CSR (64 bits as mcycleh:mcycle on RV32, so it never
// wraps in practice). QEMU 7.2 under -icount returns the virtual time in ns for mcycle (not
// the host's tick counter), one instruction advancing it by 2^shift ns: with icount_shift 0
// the count is the number of instructions, deterministic from run to run, and the board's
// clock_hz is 1 GHz (the rate the counter advances at in virtual time). The machine timer
// (mtime, 10 MHz on virt) would give one tick per 100 instructions.
#include "firmware/board/board.h"

namespace tinynas::firmware {

namespace {
uint64_t g_start = 0;

uint64_t read_raw() {
  uint32_t high = 0;
  uint32_t low = 0;
  uint32_t high_again = 0;
  do {  // the low word may carry into the high word between the reads
    __asm__ volatile("csrr %0, mcycleh" : "=r"(high));
    __asm__ volatile("csrr %0, mcycle" : "=r"(low));
    __asm__ volatile("csrr %0, mcycleh" : "=r"(high_again));
  } while (high != high_again);
  return (static_cast<uint64_t>(high) << 32) | low;
}
}  // namespace

void cycle_counter_init() { cycle_counter_restart(); }
void cycle_counter_restart() { g_start = read_raw(); }
uint64_t cycle_counter_read() { return read_raw() - g_start; }

}  // namespace tinynas::firmware
