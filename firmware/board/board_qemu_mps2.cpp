// MPS2 FPGA images under QEMU (mps2-an385 / an386 / an500): UART0 is the CMSDK APB UART at
// 0x40004000, wired to QEMU's first -serial. The FPGA clock is fixed (25 MHz): nothing to set up.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/cmsdk_apb_uart.h"
#include "firmware/board/sleep_until_interrupt.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUart0RxIrq = 0;  // CMSDK UART0 receive interrupt of the MPS2 images
constexpr uint32_t kUart0Base = 0x40004000;
constexpr uint32_t kBaud = 115200;  // QEMU ignores it; real MPS2 boards need it
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kSysTick);
}  // namespace

void board_init() {
  cmsdk_apb_uart::init(kUart0Base, TINYNAS_CLOCK_HZ, kBaud);
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
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
