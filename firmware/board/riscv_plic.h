// RISC-V Platform-Level Interrupt Controller (the PLIC specification's register layout, as
// QEMU's virt machine has it at 0x0C000000), hart 0's machine-mode context only; and idle
// sleep on it. Like the Cortex-M boards: interrupts are enabled only to end WFI, never taken
// (mstatus.MIE stays clear), so no handler runs and the board code keeps polling.
#pragma once

#include <stdint.h>

namespace tinynas::firmware::riscv_plic {

// Routes source `irq` to hart 0's machine mode (priority 1, threshold 0) and lets machine
// external interrupts end WFI (mie.MEIE).
void enable_wakeup(uint32_t plic_base, uint32_t irq);

// Sleeps (WFI) until the enabled source pends, unless `ready` says there is nothing to wait
// for; then claims and completes it, so that the next sleep waits for a new interrupt.
void sleep_until_interrupt(uint32_t plic_base, bool (*ready)());

}  // namespace tinynas::firmware::riscv_plic
