// Reset and exception entry for ARMv7-M (Cortex-M3/M4/M7) and Armv8.1-M (Cortex-M55, which
// boots Secure and runs there with the SAU off, so the same table and handlers serve): the
// vector table, .data copy and .bss clear from linker-script symbols, FPU enable when built for
// hard float (CPACR CP10/CP11, which also enables Helium/MVE), static constructors, then
// tinynas_firmware_main(). No heap, no libc start files.
#include <stdint.h>

#include "firmware/startup/c_runtime_start.h"

extern "C" {
extern uint32_t __stack_top__[];
extern uint32_t __vectors_start__[];

void Default_Handler();
void SysTick_Handler() __attribute__((weak, alias("Default_Handler")));
}

namespace {
constexpr uint32_t kScbVtor = 0xE000ED08;
constexpr uint32_t kScbCpacr = 0xE000ED88;
constexpr uint32_t kCpacrFullAccessCp10Cp11 = 0xFu << 20;
constexpr int kSystemVectorCount = 16;
using Handler = void (*)();
}  // namespace

// Cortex-M system exceptions; the runner polls its UART, so no device interrupts are used.
__attribute__((section(".vectors"), used)) const Handler g_vectors[kSystemVectorCount] = {
    reinterpret_cast<Handler>(__stack_top__),  // initial main stack pointer
    Reset_Handler,
    Default_Handler,  // NMI
    Default_Handler,  // HardFault
    Default_Handler,  // MemManage
    Default_Handler,  // BusFault
    Default_Handler,  // UsageFault
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    nullptr,
    Default_Handler,  // PendSV
    SysTick_Handler,
};

extern "C" void Reset_Handler() {
  *reinterpret_cast<volatile uint32_t*>(kScbVtor) =
      static_cast<uint32_t>(reinterpret_cast<uintptr_t>(__vectors_start__));
#if defined(__ARM_FP)
  // Enable CP10/CP11 (the FPU) before any code that may use floating-point registers runs.
  *reinterpret_cast<volatile uint32_t*>(kScbCpacr) |= kCpacrFullAccessCp10Cp11;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  tinynas::firmware::start_c_runtime();
}

// A fault parks the core; the host side notices the silence through its timeouts.
extern "C" void Default_Handler() {
  for (;;) {
  }
}
