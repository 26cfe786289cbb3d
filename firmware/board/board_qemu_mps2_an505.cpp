// MPS2 with the AN505 image (Cortex-M33, the IoT Kit subsystem) under QEMU. The core boots in
// the Secure state with the SAU off, so every access is Secure: the runner uses the Secure
// aliases of the memory map (AN505, "memory map": bit 28 of an address set), here UART0 of the
// APB expansion at 0x50200000 (Non-secure 0x40200000), wired to QEMU's first -serial. The
// peripheral and memory protection controllers reset to "Secure only", which suits a runner
// that never leaves the Secure state. The FPGA clock is fixed (QEMU: 20 MHz): nothing to set up.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/cmsdk_apb_uart.h"
#include "firmware/board/sleep_until_interrupt.h"

namespace tinynas::firmware {

namespace {
// UART0's combined interrupt (expansion interrupt 10 of the IoT Kit, after its 32 internal
// ones); the runner enables only the receive interrupt of the UART, so it means "received".
constexpr uint32_t kUart0Irq = 42;
constexpr uint32_t kUart0Base = 0x50200000;
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
  sleep_until_interrupt(kUart0Irq, [] { return cmsdk_apb_uart::rx_ready(kUart0Base); });
}
bool serial_baud_supported(uint32_t baud) {
  return cmsdk_apb_uart::baud_supported(TINYNAS_CLOCK_HZ, baud);
}
void serial_set_baud(uint32_t baud) {
  cmsdk_apb_uart::set_baud(kUart0Base, TINYNAS_CLOCK_HZ, baud);
}
void data_cache_invalidate(const void* /*address*/, size_t /*size*/) {}  // no cache enabled
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
