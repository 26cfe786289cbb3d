#include "firmware/board/stm32f7_usart.h"

#include "firmware/board/mmio.h"

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
}  // namespace

void init(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud) {
  reg(base, kCr1) = 0;
  reg(base, kBrr) = (peripheral_clock_hz + baud / 2) / baud;  // OVER8 = 0
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

bool rx_ready(uint32_t base) { return (reg(base, kIsr) & kIsrRxNotEmpty) != 0; }

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while ((reg(base, kIsr) & kIsrTxEmpty) == 0) {
    }
    reg(base, kTdr) = data[i];
  }
}

}  // namespace tinynas::firmware::stm32f7_usart
