// STM32F746G-DISCO: 216 MHz from the 25 MHz HSE, caches on, USART1 on PA9 (TX) / PB7 (RX),
// alternate function 7, which the on-board ST-LINK exposes as its virtual COM port (UM1907).
// Cycles from DWT CYCCNT.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/mmio.h"
#include "firmware/board/sleep_until_interrupt.h"
#include "firmware/board/stm32_gpio.h"
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
constexpr uint32_t kAfUsart1 = 7;
constexpr uint32_t kTxPin = 9;  // PA9
constexpr uint32_t kRxPin = 7;  // PB7
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kDwtCycleCounter);

static_assert(TINYNAS_CLOCK_HZ == stm32f7_clock::kSysclkHz, "board file and clock setup differ");
}  // namespace

void board_init() {
  stm32f7_clock::init_216mhz_from_hse_25mhz();
  stm32f7_clock::enable_caches();
  reg(kRccBase, kRccAhb1Enr) |= kRccAhb1EnrGpioA | kRccAhb1EnrGpioB;
  reg(kRccBase, kRccApb2Enr) |= kRccApb2EnrUsart1;
  data_sync_barrier();  // RM0385 5.2: allow the enabled clocks to settle before access
  stm32_gpio::set_alternate_function(kGpioABase, kTxPin, kAfUsart1);
  stm32_gpio::set_alternate_function(kGpioBBase, kRxPin, kAfUsart1);
  // An idle-high line when unplugged.
  stm32_gpio::set_two_bit_field(kGpioBBase, stm32_gpio::kPupdr, kRxPin, stm32_gpio::kPullUp);
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
bool serial_baud_supported(uint32_t baud) {
  return stm32f7_usart::baud_supported(stm32f7_clock::kApb2Hz, baud);
}
void serial_set_baud(uint32_t baud) {
  stm32f7_usart::set_baud(kUsart1Base, stm32f7_clock::kApb2Hz, baud);
}
void data_cache_invalidate(const void* address, size_t size) {
  stm32f7_clock::invalidate_data_cache(address, size);
}
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
