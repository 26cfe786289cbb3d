#include "firmware/board/cmsdk_apb_uart.h"

#include "firmware/board/mmio.h"

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
constexpr uint32_t kMinBaudDiv = 16;  // the TRM's lower bound
}  // namespace

void init(uint32_t base, uint32_t clock_hz, uint32_t baud) {
  uint32_t divider = (clock_hz + baud / 2) / baud;
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

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while ((reg(base, kState) & kStateTxFull) != 0) {
    }
    reg(base, kData) = data[i];
  }
}

}  // namespace tinynas::firmware::cmsdk_apb_uart
