// Reset and trap entry for 32-bit RISC-V in machine mode (QEMU virt with -bios none jumps to
// the start of RAM, where the linker script puts .vectors): stack pointer, trap vector, .data
// copy and .bss clear from linker-script symbols, static constructors, then
// tinynas_firmware_main(). No heap, no libc start files, and no libstdc++ for this target: the
// C++ runtime hooks the compiler may reference are defined here.
#include <stddef.h>
#include <stdint.h>

#include "firmware/startup/c_runtime_start.h"

extern "C" {
[[noreturn]] void tinynas_reset_c();
}

// The first instructions of the image: the stack pointer (the C code needs it), the trap
// vector, then C. The global pointer stays unused (no __global_pointer$, so the linker does
// not relax accesses to it).
extern "C" __attribute__((naked, section(".vectors"), used)) void Reset_Handler() {
  __asm__ volatile(
      ".option push\n"
      ".option norelax\n"
      "la sp, __stack_top__\n"
      "andi sp, sp, -16\n"  // the psABI's stack alignment
      "la t0, tinynas_trap\n"
      "csrw mtvec, t0\n"
      "j tinynas_reset_c\n"
      ".option pop\n");
}

// Interrupts are never taken (mstatus.MIE stays clear: interrupts only end WFI), so a trap is
// an exception: it parks the hart; the host side notices the silence through its timeouts.
extern "C" __attribute__((naked, aligned(4), used)) void tinynas_trap() {
  __asm__ volatile(
      "1: wfi\n"
      "j 1b\n");
}

extern "C" void tinynas_reset_c() { tinynas::firmware::start_c_runtime(); }

// What libstdc++ would provide: virtual destructors name the sized operator delete (never
// called: nothing is allocated), a pure virtual call parks the hart like any other fault.
void operator delete(void* /*pointer*/) noexcept {}
void operator delete(void* /*pointer*/, size_t /*size*/) noexcept {}
extern "C" void __cxa_pure_virtual() {
  for (;;) {
  }
}
