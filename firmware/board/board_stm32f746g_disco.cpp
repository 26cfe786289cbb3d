// STM32F746G-DISCO: 216 MHz from the 25 MHz HSE, caches on, USART1 on PA9 (TX) / PB7 (RX),
// alternate function 7, which the on-board ST-LINK exposes as its virtual COM port (UM1907).
// Cycles from DWT CYCCNT.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/mmio.h"
#include "firmware/board/sleep_until_interrupt.h"
#include "firmware/board/stm32f7_clock.h"
#include "firmware/board/stm32f7_usart.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUsart1Irq = 37;  // STM32F746 vector table
constexpr uint32_t kUsart1Base = 0x40011000;
constexpr uint32_t kBaud = 115200;
constexpr uint32_t kRccBase = 0x40023800;
constexpr uint32_t kRccAhb1Enr = 0x30;
constexpr uint32_t kRccApb2Enr = 0x44;
constexpr uint32_t kRccAhb1EnrGpioA = 1u << 0;
constexpr uint32_t kRccAhb1EnrGpioB = 1u << 1;
constexpr uint32_t kRccApb2EnrUsart1 = 1u << 4;
constexpr uint32_t kGpioABase = 0x40020000;
constexpr uint32_t kGpioBBase = 0x40020400;
constexpr uint32_t kGpioModer = 0x00;
constexpr uint32_t kGpioOspeedr = 0x08;
constexpr uint32_t kGpioPupdr = 0x0C;
constexpr uint32_t kGpioAfrl = 0x20;
constexpr uint32_t kGpioAfrh = 0x24;
constexpr uint32_t kModeAlternate = 0x2;
constexpr uint32_t kSpeedHigh = 0x2;
constexpr uint32_t kPullUp = 0x1;
constexpr uint32_t kAfUsart1 = 7;
constexpr uint32_t kTxPin = 9;  // PA9
constexpr uint32_t kRxPin = 7;  // PB7
constexpr uint32_t kPinsPerAfr = 8;
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kDwtCycleCounter);

static_assert(TINYNAS_CLOCK_HZ == stm32f7_clock::kSysclkHz, "board file and clock setup differ");

void set_two_bit_field(uint32_t base, uint32_t offset, uint32_t pin, uint32_t value) {
  reg(base, offset) = (reg(base, offset) & ~(0x3u << (2 * pin))) | (value << (2 * pin));
}

void set_alternate_function(uint32_t base, uint32_t pin, uint32_t function) {
  const uint32_t offset = pin < kPinsPerAfr ? kGpioAfrl : kGpioAfrh;
  const uint32_t shift = 4 * (pin % kPinsPerAfr);
  reg(base, offset) = (reg(base, offset) & ~(0xFu << shift)) | (function << shift);
  set_two_bit_field(base, kGpioOspeedr, pin, kSpeedHigh);
  set_two_bit_field(base, kGpioModer, pin, kModeAlternate);
}
}  // namespace

void board_init() {
  stm32f7_clock::init_216mhz_from_hse_25mhz();
  stm32f7_clock::enable_caches();
  reg(kRccBase, kRccAhb1Enr) |= kRccAhb1EnrGpioA | kRccAhb1EnrGpioB;
  reg(kRccBase, kRccApb2Enr) |= kRccApb2EnrUsart1;
  data_sync_barrier();  // RM0385 5.2: allow the enabled clocks to settle before access
  set_alternate_function(kGpioABase, kTxPin, kAfUsart1);
  set_alternate_function(kGpioBBase, kRxPin, kAfUsart1);
  set_two_bit_field(kGpioBBase, kGpioPupdr, kRxPin, kPullUp);  // idle-high line when unplugged
  stm32f7_usart::init(kUsart1Base, stm32f7_clock::kApb2Hz, kBaud);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return stm32f7_usart::try_read(kUsart1Base, byte); }
void serial_write(const uint8_t* data, size_t size) {
  stm32f7_usart::write(kUsart1Base, data, size);
}
void serial_wait_readable() {
  sleep_until_interrupt(kUsart1Irq, [] { return stm32f7_usart::rx_ready(kUsart1Base); });
}
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
