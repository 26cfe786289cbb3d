#include "firmware/board/cmsdk_apb_uart.h"

#include "firmware/board/mmio.h"
#include "firmware/board/uart_divider.h"

namespace tinynas::firmware::cmsdk_apb_uart {

namespace {
constexpr uint32_t kData = 0x00;
constexpr uint32_t kState = 0x04;
constexpr uint32_t kCtrl = 0x08;
constexpr uint32_t kIntStatusClear = 0x0C;
constexpr uint32_t kBaudDiv = 0x10;
constexpr uint32_t kStateTxFull = 1u << 0;
constexpr uint32_t kStateRxFull = 1u << 1;
constexpr uint32_t kStateTxOverrun = 1u << 2;
constexpr uint32_t kStateRxOverrun = 1u << 3;
constexpr uint32_t kCtrlTxEnable = 1u << 0;
constexpr uint32_t kCtrlRxEnable = 1u << 1;
constexpr uint32_t kCtrlRxInterruptEnable = 1u << 3;
constexpr uint32_t kIntRx = 1u << 1;
constexpr uint32_t kMinBaudDiv = 16;       // the TRM's lower bound
constexpr uint32_t kMaxBaudDiv = 0xFFFFF;  // BAUDDIV is 20 bits wide
constexpr uint32_t kBitsPerFrame = 10;     // 8N1: start, 8 data, stop
}  // namespace

void init(uint32_t base, uint32_t clock_hz, uint32_t baud) {
  uint32_t divider = uart_divider(clock_hz, baud);
  if (divider < kMinBaudDiv) divider = kMinBaudDiv;
  reg(base, kCtrl) = 0;
  reg(base, kBaudDiv) = divider;
  reg(base, kState) = kStateTxOverrun | kStateRxOverrun;  // write 1 to clear
  reg(base, kCtrl) = kCtrlTxEnable | kCtrlRxEnable | kCtrlRxInterruptEnable;
}

bool try_read(uint32_t base, uint8_t* byte) {
  if ((reg(base, kState) & kStateRxFull) == 0) return false;
  *byte = static_cast<uint8_t>(reg(base, kData));
  return true;
}

void clear_rx_interrupt(uint32_t base) { reg(base, kIntStatusClear) = kIntRx; }

bool rx_ready(uint32_t base) { return (reg(base, kState) & kStateRxFull) != 0; }

bool baud_supported(uint32_t clock_hz, uint32_t baud) {
  return uart_baud_reachable(clock_hz, baud, kMinBaudDiv, kMaxBaudDiv);
}

void set_baud(uint32_t base, uint32_t clock_hz, uint32_t baud) {
  while ((reg(base, kState) & kStateTxFull) != 0) {
  }
  // The UART has no "transmission complete" flag: wait one frame time (BAUDDIV clocks per bit,
  // at least one clock per loop pass) for the last byte to leave the shift register.
  const uint32_t old_divider = reg(base, kBaudDiv);
  for (volatile uint32_t i = 0; i < old_divider * kBitsPerFrame; i = i + 1) {
  }
  reg(base, kBaudDiv) = uart_divider(clock_hz, baud);
}

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while ((reg(base, kState) & kStateTxFull) != 0) {
    }
    reg(base, kData) = data[i];
  }
}

}  // namespace tinynas::firmware::cmsdk_apb_uart
