// MPS3 AN547 FPGA image (SSE-300, Cortex-M55) under QEMU: UART0 is the CMSDK APB UART at
// 0x49303000 (Non-secure alias; the Secure core reaches it through its PPC's reset state),
// wired to QEMU's first -serial. The core runs from the 32 MHz SYSCLK, the UARTs from the
// 25 MHz APB peripheral clock. No caches are enabled (QEMU models none) and the MPU stays off.
// The board functions: cmsdk_uart_board.cpp.
#include "firmware/board/cmsdk_uart_board.h"

namespace tinynas::firmware::cmsdk_uart_board {

const uint32_t kUartBase = 0x49303000;
const uint32_t kUartIrq = 33;  // UART0 receive (SSE-300 expansion interrupt 1)
const uint32_t kUartClockHz = 25000000;

}  // namespace tinynas::firmware::cmsdk_uart_board
