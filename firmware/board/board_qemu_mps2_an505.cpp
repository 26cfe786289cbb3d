// MPS2 with the AN505 image (Cortex-M33, the IoT Kit subsystem) under QEMU. The core boots in
// the Secure state with the SAU off, so every access is Secure: the runner uses the Secure
// aliases of the memory map (AN505, "memory map": bit 28 of an address set), here UART0 of the
// APB expansion at 0x50200000 (Non-secure 0x40200000), wired to QEMU's first -serial. The
// peripheral and memory protection controllers reset to "Secure only", which suits a runner
// that never leaves the Secure state. The board functions: cmsdk_uart_board.cpp.
#include "firmware/board/cmsdk_uart_board.h"

namespace tinynas::firmware::cmsdk_uart_board {

const uint32_t kUartBase = 0x50200000;
// UART0's combined interrupt (expansion interrupt 10 of the IoT Kit, after its 32 internal
// ones); the runner enables only the receive interrupt of the UART, so it means "received".
const uint32_t kUartIrq = 42;
const uint32_t kUartClockHz = TINYNAS_CLOCK_HZ;  // the UART runs from the core clock

}  // namespace tinynas::firmware::cmsdk_uart_board
