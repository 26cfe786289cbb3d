#include "firmware/board/stm32f7_usart.h"

#include "firmware/board/mmio.h"
#include "firmware/board/uart_divider.h"

namespace tinynas::firmware::stm32f7_usart {

namespace {
constexpr uint32_t kCr1 = 0x00;
constexpr uint32_t kBrr = 0x0C;
constexpr uint32_t kIsr = 0x1C;
constexpr uint32_t kIcr = 0x20;
constexpr uint32_t kRdr = 0x24;
constexpr uint32_t kTdr = 0x28;
constexpr uint32_t kCr1UsartEnable = 1u << 0;
constexpr uint32_t kCr1ReceiverEnable = 1u << 2;
constexpr uint32_t kCr1RxNotEmptyInterrupt = 1u << 5;
constexpr uint32_t kCr1TransmitterEnable = 1u << 3;
constexpr uint32_t kIsrOverrun = 1u << 3;
constexpr uint32_t kIsrRxNotEmpty = 1u << 5;
constexpr uint32_t kIsrTxEmpty = 1u << 7;
constexpr uint32_t kIcrOverrunClear = 1u << 3;
constexpr uint32_t kIsrTxComplete = 1u << 6;
constexpr uint32_t kMinDivider = 16;  // oversampling by 16: BRR >= 16
constexpr uint32_t kMaxDivider = 0xFFFF;
}  // namespace

void init(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud) {
  reg(base, kCr1) = 0;
  reg(base, kBrr) = uart_divider(peripheral_clock_hz, baud);  // OVER8 = 0
  reg(base, kCr1) =
      kCr1UsartEnable | kCr1TransmitterEnable | kCr1ReceiverEnable | kCr1RxNotEmptyInterrupt;
}

bool try_read(uint32_t base, uint8_t* byte) {
  const uint32_t status = reg(base, kIsr);
  // An overrun stops reception until cleared; the lost byte surfaces as a frame CRC error.
  if ((status & kIsrOverrun) != 0) reg(base, kIcr) = kIcrOverrunClear;
  if ((status & kIsrRxNotEmpty) == 0) return false;
  *byte = static_cast<uint8_t>(reg(base, kRdr));
  return true;
}

bool baud_supported(uint32_t peripheral_clock_hz, uint32_t baud) {
  return uart_baud_reachable(peripheral_clock_hz, baud, kMinDivider, kMaxDivider);
}

void set_baud(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud) {
  while ((reg(base, kIsr) & kIsrTxComplete) == 0) {
  }
  reg(base, kCr1) &= ~kCr1UsartEnable;  // BRR is written with the USART disabled
  reg(base, kBrr) = uart_divider(peripheral_clock_hz, baud);
  reg(base, kCr1) |= kCr1UsartEnable;
}

bool rx_ready(uint32_t base) { return (reg(base, kIsr) & kIsrRxNotEmpty) != 0; }

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while ((reg(base, kIsr) & kIsrTxEmpty) == 0) {
    }
    reg(base, kTdr) = data[i];
  }
}

}  // namespace tinynas::firmware::stm32f7_usart
