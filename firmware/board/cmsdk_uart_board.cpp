#include "firmware/board/cmsdk_uart_board.h"

#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/cmsdk_apb_uart.h"
#include "firmware/board/sleep_until_interrupt.h"

namespace tinynas::firmware {

namespace {
using cmsdk_uart_board::kUartBase;
using cmsdk_uart_board::kUartClockHz;
using cmsdk_uart_board::kUartIrq;
constexpr uint32_t kBaud = 115200;  // QEMU ignores it; real MPS2/MPS3 boards need it
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kSysTick);
}  // namespace

void board_init() {
  cmsdk_apb_uart::init(kUartBase, kUartClockHz, kBaud);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return cmsdk_apb_uart::try_read(kUartBase, byte); }
void serial_write(const uint8_t* data, size_t size) {
  cmsdk_apb_uart::write(kUartBase, data, size);
}
void serial_wait_readable() {
  cmsdk_apb_uart::clear_rx_interrupt(kUartBase);
  sleep_until_interrupt(kUartIrq, [] { return cmsdk_apb_uart::rx_ready(kUartBase); });
}
bool serial_baud_supported(uint32_t baud) {
  return cmsdk_apb_uart::baud_supported(kUartClockHz, baud);
}
void serial_set_baud(uint32_t baud) { cmsdk_apb_uart::set_baud(kUartBase, kUartClockHz, baud); }
void data_cache_invalidate(const void* /*address*/, size_t /*size*/) {}  // no cache enabled
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
