// NS16550A-compatible UART (the UART of QEMU's RISC-V virt machine, byte-wide registers, one
// byte apart), polled, 8N1. The received-data interrupt is raised (never handled) only to end
// WFI.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::ns16550_uart {

// `clock_hz` is the UART's reference clock; the divisor latch divides it by 16 x the rate.
void init(uint32_t base, uint32_t clock_hz, uint32_t baud);
bool baud_supported(uint32_t clock_hz, uint32_t baud);
void set_baud(uint32_t base, uint32_t clock_hz, uint32_t baud);  // after the last byte left
bool try_read(uint32_t base, uint8_t* byte);
void write(uint32_t base, const uint8_t* data, size_t size);
bool rx_ready(uint32_t base);

}  // namespace tinynas::firmware::ns16550_uart
