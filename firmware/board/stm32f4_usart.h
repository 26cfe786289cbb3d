// STM32F4 USART (RM0090 section 30, the "v1" register layout SR/DR/BRR/CR1), polled, 8N1,
// oversampling by 16. QEMU's stm32f2xx-usart models the same registers.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::stm32f4_usart {

void init(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud);
bool try_read(uint32_t base, uint8_t* byte);
void write(uint32_t base, const uint8_t* data, size_t size);
// Whether a byte is waiting; the receive interrupt (RXNEIE) is raised only to wake from WFI.
bool rx_ready(uint32_t base);

}  // namespace tinynas::firmware::stm32f4_usart
