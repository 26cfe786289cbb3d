// nRF52 UARTE (UART with EasyDMA; nRF52840 Product Specification, section 6.34), 8N1, no flow
// control. Every byte goes through a one-byte DMA buffer in RAM: reception is kept running
// (ENDRX restarts it by a short), so a byte waits in the buffer until read, and ENDRX (whose
// interrupt is enabled only to end WFI) says it arrived.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::nrf52_uarte {

// `tx_pin` and `rx_pin` are PSEL values: pin number | port << 5.
void init(uint32_t base, uint32_t tx_pin, uint32_t rx_pin, uint32_t baud);
// Whether BAUDRATE has a setting for `baud` (the product specification's table).
bool baud_supported(uint32_t baud);
void set_baud(uint32_t base, uint32_t baud);
bool try_read(uint32_t base, uint8_t* byte);
void write(uint32_t base, const uint8_t* data, size_t size);
bool rx_ready(uint32_t base);

}  // namespace tinynas::firmware::nrf52_uarte
