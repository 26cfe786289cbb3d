// Arduino Nano 33 BLE (nRF52840, Cortex-M4F at 64 MHz): UARTE0 on the board's TX/RX pins D1
// (P1.03) and D0 (P1.10), the header UART (the USB port is the nRF52840's own USB device, which
// this firmware does not drive). The image is linked for flash address 0 (a debug probe on the
// SWD pads, replacing Arduino's bootloader). Cycles from SysTick on the CPU clock. Built in
// CI, not run there.
#include "firmware/board/board.h"
#include "firmware/board/board_facts.h"
#include "firmware/board/nrf52_uarte.h"
#include "firmware/board/sleep_until_interrupt.h"

namespace tinynas::firmware {

namespace {
constexpr uint32_t kUarte0Irq = 2;  // nRF52840: UARTE0_UART0
constexpr uint32_t kUarte0Base = 0x40002000;
constexpr uint32_t kTxPin = 3 | (1u << 5);   // P1.03
constexpr uint32_t kRxPin = 10 | (1u << 5);  // P1.10
constexpr uint32_t kBaud = 115200;
const BoardFacts kFacts = make_board_facts(protocol::TimerKind::kSysTick);
}  // namespace

void board_init() {
  nrf52_uarte::init(kUarte0Base, kTxPin, kRxPin, kBaud);
  cycle_counter_init();
}
bool serial_try_read(uint8_t* byte) { return nrf52_uarte::try_read(kUarte0Base, byte); }
void serial_write(const uint8_t* data, size_t size) { nrf52_uarte::write(kUarte0Base, data, size); }
void serial_wait_readable() {
  sleep_until_interrupt(kUarte0Irq, [] { return nrf52_uarte::rx_ready(kUarte0Base); });
}
bool serial_baud_supported(uint32_t baud) { return nrf52_uarte::baud_supported(baud); }
void serial_set_baud(uint32_t baud) { nrf52_uarte::set_baud(kUarte0Base, baud); }
void data_cache_invalidate(const void* /*address*/, size_t /*size*/) {}  // no data cache
const BoardFacts& board_facts() { return kFacts; }

}  // namespace tinynas::firmware
