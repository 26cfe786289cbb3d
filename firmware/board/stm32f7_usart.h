// STM32F7 USART (RM0385 section 31, the "v2" register layout CR1/BRR/ISR/ICR/RDR/TDR), polled,
// 8N1, oversampling by 16. The STM32H7's USART (RM0433 section 48) has the same registers and
// bits with its FIFO off (the reset state), so the H7 boards use this driver too.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::stm32f7_usart {

void init(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud);
// Whether BRR can give `baud`; set_baud waits until the last written byte has left (TC).
bool baud_supported(uint32_t peripheral_clock_hz, uint32_t baud);
void set_baud(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud);
bool try_read(uint32_t base, uint8_t* byte);
void write(uint32_t base, const uint8_t* data, size_t size);
// Whether a byte is waiting; the receive interrupt (RXNEIE) is raised only to wake from WFI.
bool rx_ready(uint32_t base);

}  // namespace tinynas::firmware::stm32f7_usart
