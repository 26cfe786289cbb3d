// Arm CMSDK APB UART (Cortex-M System Design Kit TRM, ARM DDI 0479): the UARTs of the MPS2
// FPGA images (AN385/AN386/AN500), polled, 8N1. The receive interrupt is raised (never
// handled) only to wake the core from WFI.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::cmsdk_apb_uart {

void init(uint32_t base, uint32_t clock_hz, uint32_t baud);
bool try_read(uint32_t base, uint8_t* byte);
void write(uint32_t base, const uint8_t* data, size_t size);
// Receive interrupt: clear it, then whether a byte is waiting (what a sleeper checks).
void clear_rx_interrupt(uint32_t base);
bool rx_ready(uint32_t base);

}  // namespace tinynas::firmware::cmsdk_apb_uart
