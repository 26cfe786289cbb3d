// STM32F7 system clock: 25 MHz HSE crystal -> PLL -> 216 MHz SYSCLK with over-drive, flash
// wait states and bus prescalers (RM0385 sections 3, 4 and 5; values as in ST's STM32F746G-DISCO
// board support). Also enables the Cortex-M7 instruction and data caches.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::stm32f7_clock {

inline constexpr uint32_t kSysclkHz = 216000000;
inline constexpr uint32_t kApb1Hz = kSysclkHz / 4;  // 54 MHz, the APB1 maximum
inline constexpr uint32_t kApb2Hz = kSysclkHz / 2;  // 108 MHz, the APB2 maximum (USART1, USART6)

void init_216mhz_from_hse_25mhz();
void enable_caches();
// Drops the data cache's lines over [address, address + size) without writing them back: memory
// a debug probe wrote behind the core's back (LOAD_PLACED) is then read from SRAM, and no stale
// dirty line can later overwrite it.
void invalidate_data_cache(const void* address, size_t size);

}  // namespace tinynas::firmware::stm32f7_clock
