// Cycle counter from SysTick (ARMv7-M ARM, B3.3) on the processor clock, for QEMU, which has
// no DWT. The 24-bit down-counter wraps every 2^24 cycles; the wrap interrupt extends it to 64
// bits. QEMU drives SysTick's processor clock from the machine's CPU clock (mps2: 25 MHz
// sysclk, netduinoplus2: 168 MHz sysclk), so counts are CPU clock cycles of virtual time; with
// -icount shift=N one instruction advances virtual time by 2^N ns, which makes them
// deterministic. The counter is restarted before every timed iteration so its wrap phase (and
// so the wrap interrupts inside the timed region) is the same on every run.
#include "firmware/board/board.h"
#include "firmware/board/mmio.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kSysTickBase = 0xE000E010;
constexpr uint32_t kCtrl = 0x00;
constexpr uint32_t kLoad = 0x04;
constexpr uint32_t kVal = 0x08;
constexpr uint32_t kCtrlEnable = 1u << 0;
constexpr uint32_t kCtrlTickInterrupt = 1u << 1;
constexpr uint32_t kCtrlProcessorClock = 1u << 2;
constexpr uint32_t kReload = 0x00FFFFFF;  // 24-bit counter
constexpr uint32_t kCounterBits = 24;

volatile uint32_t g_wraps = 0;
uint64_t g_start = 0;

uint64_t read_raw() {
  uint32_t wraps = 0;
  uint32_t value = 0;
  do {
    wraps = g_wraps;
    value = reg(kSysTickBase, kVal);
  } while (wraps != g_wraps);  // a wrap interrupt came in between: read again
  return (static_cast<uint64_t>(wraps) << kCounterBits) + (kReload - value);
}
}  // namespace

void cycle_counter_init() { cycle_counter_restart(); }

void cycle_counter_restart() {
  reg(kSysTickBase, kCtrl) = 0;
  reg(kSysTickBase, kLoad) = kReload;
  reg(kSysTickBase, kVal) = 0;  // any write clears the counter; it reloads on the next tick
  g_wraps = 0;
  reg(kSysTickBase, kCtrl) = kCtrlEnable | kCtrlTickInterrupt | kCtrlProcessorClock;
  while (reg(kSysTickBase, kVal) == 0) {
  }
  g_start = read_raw();
}

uint64_t cycle_counter_read() { return read_raw() - g_start; }

}  // namespace tinynas::firmware

extern "C" void SysTick_Handler() { tinynas::firmware::g_wraps = tinynas::firmware::g_wraps + 1; }
