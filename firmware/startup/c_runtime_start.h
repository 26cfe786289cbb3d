// What every reset entry does once the core can run C: .data copied from its load address, .bss
// cleared and the static constructors run (all from the linker script's symbols), then
// tinynas_firmware_main(). Shared by the startup file of each toolchain.
#pragma once

#include <stdint.h>

extern "C" {
extern uint32_t __data_load__[];
extern uint32_t __data_start__[];
extern uint32_t __data_end__[];
extern uint32_t __bss_start__[];
extern uint32_t __bss_end__[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

void tinynas_firmware_main();  // the firmware's entry point (runner/main.cpp)
[[noreturn]] void Reset_Handler();
}

namespace tinynas::firmware {

// Never returns: should tinynas_firmware_main() return, the core parks here.
[[noreturn]] inline void start_c_runtime() {
  for (uint32_t *src = __data_load__, *dst = __data_start__; dst < __data_end__;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start__; dst < __bss_end__;) *dst++ = 0;
  for (void (**ctor)() = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
  tinynas_firmware_main();
  for (;;) {
  }
}

}  // namespace tinynas::firmware
