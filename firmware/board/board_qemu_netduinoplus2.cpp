// Netduino Plus 2 (STM32F405) under QEMU. QEMU connects its first -serial to USART1
// (0x40011000, the first entry of the SoC's USART table), and models the CPU at a fixed
// 168 MHz without an RCC to program, so the clock tree is not touched here (on silicon the
// PLL would have to be set up first: the firmware would otherwise run at the 16 MHz HSI).
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/mmio.h"
#include "firmware/board/sleep_until_interrupt.h"
#include "firmware/board/stm32f4_usart.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUsart1Irq = 37;  // STM32F405 vector table
constexpr uint32_t kUsart1Base = 0x40011000;
constexpr uint32_t kRccBase = 0x40023800;
constexpr uint32_t kRccApb2Enr = 0x44;
constexpr uint32_t kRccApb2EnrUsart1 = 1u << 4;
constexpr uint32_t kApb2ClockHz = TINYNAS_CLOCK_HZ / 2;  // APB2 prescaler 2 at 168 MHz
constexpr uint32_t kBaud = 115200;
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kSysTick);
}  // namespace

void board_init() {
  reg(kRccBase, kRccApb2Enr) |= kRccApb2EnrUsart1;
  stm32f4_usart::init(kUsart1Base, kApb2ClockHz, kBaud);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return stm32f4_usart::try_read(kUsart1Base, byte); }
void serial_write(const uint8_t* data, size_t size) {
  stm32f4_usart::write(kUsart1Base, data, size);
}
void serial_wait_readable() {
  sleep_until_interrupt(kUsart1Irq, [] { return stm32f4_usart::rx_ready(kUsart1Base); });
}
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
