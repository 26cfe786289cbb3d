#include "firmware/board/riscv_plic.h"

#include "firmware/board/mmio.h"

namespace tinynas::firmware::riscv_plic {

namespace {
constexpr uint32_t kPriorityBase = 0x000000;         // one word per source
constexpr uint32_t kHart0MachineEnable = 0x002000;   // context 0: one bit per source
constexpr uint32_t kHart0MachineContext = 0x200000;  // threshold, then claim / complete
constexpr uint32_t kThreshold = 0x0;
constexpr uint32_t kClaimComplete = 0x4;
constexpr uint32_t kMieMachineExternal = 1u << 11;  // mie.MEIE
}  // namespace

void enable_wakeup(uint32_t plic_base, uint32_t irq) {
  reg(plic_base + kPriorityBase, irq * 4) = 1;
  reg(plic_base + kHart0MachineEnable, (irq / 32) * 4) |= 1u << (irq % 32);
  reg(plic_base + kHart0MachineContext, kThreshold) = 0;
  __asm__ volatile("csrs mie, %0" ::"r"(kMieMachineExternal) : "memory");
}

void sleep_until_interrupt(uint32_t plic_base, bool (*ready)()) {
  if (!ready()) __asm__ volatile("wfi" ::: "memory");
  // Claim whatever is pending (this source is the only one enabled) and complete it.
  const uint32_t claimed = reg(plic_base + kHart0MachineContext, kClaimComplete);
  if (claimed != 0) reg(plic_base + kHart0MachineContext, kClaimComplete) = claimed;
}

}  // namespace tinynas::firmware::riscv_plic
