// Cycle counter from the DWT's CYCCNT (ARMv7-M ARM, C1.8.8) on silicon: counts CPU clock
// cycles exactly. 32 bits wrap after 2^32 cycles (~20 s at 216 MHz); reads are extended to 64
// bits by counting wraps between reads, which are far more frequent than 20 s apart.
#include "firmware/board/board.h"
#include "firmware/board/mmio.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kDemcr = 0xE000EDFC;
constexpr uint32_t kDemcrTraceEnable = 1u << 24;
constexpr uint32_t kDwtBase = 0xE0001000;
constexpr uint32_t kDwtCtrl = 0x000;
constexpr uint32_t kDwtCyccnt = 0x004;
constexpr uint32_t kDwtLockAccess = 0xFB0;  // Cortex-M7: DWT registers are locked after reset
constexpr uint32_t kUnlockKey = 0xC5ACCE55;
constexpr uint32_t kDwtCtrlCycleCounterEnable = 1u << 0;

uint32_t g_last = 0;
uint64_t g_high = 0;
}  // namespace

void cycle_counter_init() {
  reg(kDemcr, 0) |= kDemcrTraceEnable;
  reg(kDwtBase, kDwtLockAccess) = kUnlockKey;
  reg(kDwtBase, kDwtCyccnt) = 0;
  reg(kDwtBase, kDwtCtrl) |= kDwtCtrlCycleCounterEnable;
  cycle_counter_restart();
}

void cycle_counter_restart() {
  reg(kDwtBase, kDwtCyccnt) = 0;
  g_last = 0;
  g_high = 0;
}

uint64_t cycle_counter_read() {
  const uint32_t now = reg(kDwtBase, kDwtCyccnt);
  if (now < g_last) g_high += 1ull << 32;
  g_last = now;
  return g_high + now;
}

}  // namespace tinynas::firmware
