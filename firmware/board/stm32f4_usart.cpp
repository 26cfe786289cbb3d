#include "firmware/board/stm32f4_usart.h"

#include "firmware/board/mmio.h"

namespace tinynas::firmware::stm32f4_usart {

namespace {
constexpr uint32_t kSr = 0x00;
constexpr uint32_t kDr = 0x04;
constexpr uint32_t kBrr = 0x08;
constexpr uint32_t kCr1 = 0x0C;
constexpr uint32_t kSrOverrun = 1u << 3;
constexpr uint32_t kSrRxNotEmpty = 1u << 5;
constexpr uint32_t kSrTxEmpty = 1u << 7;
constexpr uint32_t kCr1ReceiverEnable = 1u << 2;
constexpr uint32_t kCr1RxNotEmptyInterrupt = 1u << 5;
constexpr uint32_t kCr1TransmitterEnable = 1u << 3;
constexpr uint32_t kCr1UsartEnable = 1u << 13;
}  // namespace

void init(uint32_t base, uint32_t peripheral_clock_hz, uint32_t baud) {
  reg(base, kCr1) = 0;
  // Oversampling by 16: BRR = f_ck / baud as a 12.4 fixed-point mantissa.fraction.
  reg(base, kBrr) = (peripheral_clock_hz + baud / 2) / baud;
  reg(base, kCr1) =
      kCr1UsartEnable | kCr1TransmitterEnable | kCr1ReceiverEnable | kCr1RxNotEmptyInterrupt;
}

bool try_read(uint32_t base, uint8_t* byte) {
  const uint32_t status = reg(base, kSr);
  if ((status & (kSrRxNotEmpty | kSrOverrun)) == 0) return false;
  // Reading SR then DR clears both RXNE and an overrun; a lost byte shows up as a CRC error.
  const uint8_t value = static_cast<uint8_t>(reg(base, kDr));
  if ((status & kSrRxNotEmpty) == 0) return false;
  *byte = value;
  return true;
}

bool rx_ready(uint32_t base) { return (reg(base, kSr) & kSrRxNotEmpty) != 0; }

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while ((reg(base, kSr) & kSrTxEmpty) == 0) {
    }
    reg(base, kDr) = data[i];
  }
}

}  // namespace tinynas::firmware::stm32f4_usart
