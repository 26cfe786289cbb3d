// Idle without spinning: sleeps the core (WFI) until a device interrupt is pending, with the
// interrupt enabled in the NVIC only while asleep and PRIMASK set throughout, so its handler
// never runs (no vector needed) and the board code keeps polling its registers as before.
// WFI also wakes on any enabled exception (SysTick's wrap count keeps running). Under QEMU a
// sleeping core lets the emulator idle instead of burning a host core.
#pragma once

#include <stdint.h>

#include "firmware/board/mmio.h"

namespace tinynas::firmware {

namespace nvic {
inline constexpr uint32_t kIser = 0xE000E100;  // set-enable, one bit per interrupt
inline constexpr uint32_t kIcer = 0xE000E180;  // clear-enable
inline constexpr uint32_t kIcpr = 0xE000E280;  // clear-pending
}  // namespace nvic

// Sleeps until interrupt `irq` pends, unless `ready()` (checked with interrupts masked, after
// the stale pending state is cleared) says there is nothing to wait for.
template <typename Ready>
inline void sleep_until_interrupt(uint32_t irq, Ready ready) {
  const uint32_t word = (irq / 32) * 4;
  const uint32_t bit = 1u << (irq % 32);
  __asm__ volatile("cpsid i" ::: "memory");
  reg(nvic::kIcpr, word) = bit;
  reg(nvic::kIser, word) = bit;
  data_sync_barrier();
  if (!ready()) __asm__ volatile("wfi" ::: "memory");
  reg(nvic::kIcer, word) = bit;
  reg(nvic::kIcpr, word) = bit;
  data_sync_barrier();
  instruction_sync_barrier();
  __asm__ volatile("cpsie i" ::: "memory");
}

}  // namespace tinynas::firmware
