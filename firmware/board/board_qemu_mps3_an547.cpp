// MPS3 AN547 FPGA image (SSE-300, Cortex-M55) under QEMU: UART0 is the CMSDK APB UART at
// 0x49303000 (Non-secure alias; the Secure core reaches it through its PPC's reset state),
// wired to QEMU's first -serial. The core runs from the 32 MHz SYSCLK, the UARTs from the
// 25 MHz APB peripheral clock. No caches are enabled (QEMU models none) and the MPU stays off.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/cmsdk_apb_uart.h"
#include "firmware/board/sleep_until_interrupt.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUart0RxIrq = 33;  // AN547 UART0 receive (SSE-300 expansion interrupt 1)
constexpr uint32_t kUart0Base = 0x49303000;
constexpr uint32_t kApbClockHz = 25000000;
constexpr uint32_t kBaud = 115200;  // QEMU ignores it; a real MPS3 board needs it
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kSysTick);
}  // namespace

void board_init() {
  cmsdk_apb_uart::init(kUart0Base, kApbClockHz, kBaud);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return cmsdk_apb_uart::try_read(kUart0Base, byte); }
void serial_write(const uint8_t* data, size_t size) {
  cmsdk_apb_uart::write(kUart0Base, data, size);
}
void serial_wait_readable() {
  cmsdk_apb_uart::clear_rx_interrupt(kUart0Base);
  sleep_until_interrupt(kUart0RxIrq, [] { return cmsdk_apb_uart::rx_ready(kUart0Base); });
}
bool serial_baud_supported(uint32_t baud) {
  return cmsdk_apb_uart::baud_supported(kApbClockHz, baud);
}
void serial_set_baud(uint32_t baud) { cmsdk_apb_uart::set_baud(kUart0Base, kApbClockHz, baud); }
void data_cache_invalidate(const void* /*address*/, size_t /*size*/) {}  // no cache enabled
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
