#include "firmware/board/ns16550_uart.h"

#include "firmware/board/uart_divider.h"

namespace tinynas::firmware::ns16550_uart {

namespace {
constexpr uint32_t kData = 0;          // RBR (read) / THR (write); DLL while DLAB is set
constexpr uint32_t kIntEnable = 1;     // IER; DLM while DLAB is set
constexpr uint32_t kFifoControl = 2;   // FCR (write)
constexpr uint32_t kLineControl = 3;   // LCR
constexpr uint32_t kModemControl = 4;  // MCR
constexpr uint32_t kLineStatus = 5;    // LSR
constexpr uint8_t kIntEnableRxData = 1u << 0;
constexpr uint8_t kFifoEnableAndClear = 0x07;
constexpr uint8_t kLineControl8N1 = 0x03;
constexpr uint8_t kLineControlDivisorLatch = 0x80;
constexpr uint8_t kModemControlOut2 = 0x08;  // gates the interrupt line on PC-style wiring
constexpr uint8_t kLineStatusDataReady = 1u << 0;
constexpr uint8_t kLineStatusTxEmpty = 1u << 5;  // THR empty
constexpr uint8_t kLineStatusTxIdle = 1u << 6;   // THR and shift register empty
constexpr uint32_t kOversampling = 16;
constexpr uint32_t kMinDivisor = 1;
constexpr uint32_t kMaxDivisor = 0xFFFF;

volatile uint8_t& reg8(uint32_t base, uint32_t offset) {
  return *reinterpret_cast<volatile uint8_t*>(static_cast<uintptr_t>(base + offset));
}

void set_divisor(uint32_t base, uint32_t clock_hz, uint32_t baud) {
  uint32_t divisor = uart_divider(clock_hz / kOversampling, baud);
  if (divisor < kMinDivisor) divisor = kMinDivisor;
  reg8(base, kLineControl) = kLineControl8N1 | kLineControlDivisorLatch;
  reg8(base, kData) = static_cast<uint8_t>(divisor);
  reg8(base, kIntEnable) = static_cast<uint8_t>(divisor >> 8);
  reg8(base, kLineControl) = kLineControl8N1;
}
}  // namespace

void init(uint32_t base, uint32_t clock_hz, uint32_t baud) {
  reg8(base, kIntEnable) = 0;
  set_divisor(base, clock_hz, baud);
  reg8(base, kFifoControl) = kFifoEnableAndClear;
  reg8(base, kModemControl) = kModemControlOut2;
  reg8(base, kIntEnable) = kIntEnableRxData;
}

bool baud_supported(uint32_t clock_hz, uint32_t baud) {
  return uart_baud_reachable(clock_hz / kOversampling, baud, kMinDivisor, kMaxDivisor);
}

void set_baud(uint32_t base, uint32_t clock_hz, uint32_t baud) {
  while ((reg8(base, kLineStatus) & kLineStatusTxIdle) == 0) {
  }
  const uint8_t enabled = reg8(base, kIntEnable);
  set_divisor(base, clock_hz, baud);
  reg8(base, kIntEnable) = enabled;
}

bool try_read(uint32_t base, uint8_t* byte) {
  if (!rx_ready(base)) return false;
  *byte = reg8(base, kData);
  return true;
}

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while ((reg8(base, kLineStatus) & kLineStatusTxEmpty) == 0) {
    }
    reg8(base, kData) = data[i];
  }
}

bool rx_ready(uint32_t base) { return (reg8(base, kLineStatus) & kLineStatusDataReady) != 0; }

}  // namespace tinynas::firmware::ns16550_uart
