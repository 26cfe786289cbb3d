// NUCLEO-H743ZI (STM32H743ZI, Cortex-M7): the core left on the 64 MHz HSI it resets to (no PLL,
// voltage scale 3, caches off), USART3 on PD8 (TX) / PD9 (RX), alternate function 7, which the
// on-board ST-LINK exposes as its virtual COM port (UM2407). USART3's kernel clock is the APB1
// clock, 64 MHz at reset (RM0433 section 8). Cycles from DWT CYCCNT. Built in CI, not run there.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/mmio.h"
#include "firmware/board/sleep_until_interrupt.h"
#include "firmware/board/stm32_gpio.h"
#include "firmware/board/stm32f7_usart.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUsart3Irq = 39;  // STM32H743 vector table
constexpr uint32_t kUsart3Base = 0x40004800;
constexpr uint32_t kApb1Hz = 64000000;  // HSI, every prescaler at 1 after reset
constexpr uint32_t kBaud = 115200;
constexpr uint32_t kRccBase = 0x58024400;
constexpr uint32_t kRccAhb4Enr = 0x0E0;
constexpr uint32_t kRccApb1LEnr = 0x0E8;
constexpr uint32_t kRccAhb4EnrGpioD = 1u << 3;
constexpr uint32_t kRccApb1LEnrUsart3 = 1u << 18;
constexpr uint32_t kGpioDBase = 0x58020C00;
constexpr uint32_t kAfUsart3 = 7;
constexpr uint32_t kTxPin = 8;  // PD8
constexpr uint32_t kRxPin = 9;  // PD9
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kDwtCycleCounter);

static_assert(TINYNAS_CLOCK_HZ == kApb1Hz, "the board file's clock is the reset HSI clock");
}  // namespace

void board_init() {
  reg(kRccBase, kRccAhb4Enr) |= kRccAhb4EnrGpioD;
  reg(kRccBase, kRccApb1LEnr) |= kRccApb1LEnrUsart3;
  data_sync_barrier();  // let the enabled clocks settle before the first access
  stm32_gpio::set_alternate_function(kGpioDBase, kTxPin, kAfUsart3);
  stm32_gpio::set_alternate_function(kGpioDBase, kRxPin, kAfUsart3);
  // An idle-high line when unplugged.
  stm32_gpio::set_two_bit_field(kGpioDBase, stm32_gpio::kPupdr, kRxPin, stm32_gpio::kPullUp);
  stm32f7_usart::init(kUsart3Base, kApb1Hz, kBaud);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return stm32f7_usart::try_read(kUsart3Base, byte); }
void serial_write(const uint8_t* data, size_t size) {
  stm32f7_usart::write(kUsart3Base, data, size);
}
void serial_wait_readable() {
  sleep_until_interrupt(kUsart3Irq, [] { return stm32f7_usart::rx_ready(kUsart3Base); });
}
bool serial_baud_supported(uint32_t baud) { return stm32f7_usart::baud_supported(kApb1Hz, baud); }
void serial_set_baud(uint32_t baud) { stm32f7_usart::set_baud(kUsart3Base, kApb1Hz, baud); }
void data_cache_invalidate(const void* /*address*/, size_t /*size*/) {}  // caches stay off
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
