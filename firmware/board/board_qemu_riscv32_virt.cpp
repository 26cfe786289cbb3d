// QEMU's RISC-V virt machine in 32-bit mode (qemu-system-riscv32 -machine virt -bios none), one
// hart in machine mode: the NS16550A UART at 0x10000000 (QEMU's first -serial, 3.6864 MHz
// reference clock) and its interrupt (PLIC source 10) to end WFI. Nothing to clock.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/ns16550_uart.h"
#include "firmware/board/riscv_plic.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUartBase = 0x10000000;
constexpr uint32_t kUartClockHz = 3686400;
constexpr uint32_t kUartIrq = 10;
constexpr uint32_t kPlicBase = 0x0C000000;
constexpr uint32_t kBaud = 115200;  // QEMU ignores it
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kMcycle);

bool uart_rx_ready() { return ns16550_uart::rx_ready(kUartBase); }
}  // namespace

void board_init() {
  ns16550_uart::init(kUartBase, kUartClockHz, kBaud);
  riscv_plic::enable_wakeup(kPlicBase, kUartIrq);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return ns16550_uart::try_read(kUartBase, byte); }
void serial_write(const uint8_t* data, size_t size) { ns16550_uart::write(kUartBase, data, size); }
void serial_wait_readable() { riscv_plic::sleep_until_interrupt(kPlicBase, uart_rx_ready); }
bool serial_baud_supported(uint32_t baud) {
  return ns16550_uart::baud_supported(kUartClockHz, baud);
}
void serial_set_baud(uint32_t baud) { ns16550_uart::set_baud(kUartBase, kUartClockHz, baud); }
void data_cache_invalidate(const void* /*address*/, size_t /*size*/) {}  // no data cache
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
