// MPS2 FPGA images under QEMU (mps2-an385 / an386 / an500): UART0 is the CMSDK APB UART at
// 0x40004000, wired to QEMU's first -serial (the board functions: cmsdk_uart_board.cpp).
#include "firmware/board/cmsdk_uart_board.h"

namespace tinynas::firmware::cmsdk_uart_board {

const uint32_t kUartBase = 0x40004000;
const uint32_t kUartIrq = 0;                     // UART0 receive interrupt of these images
const uint32_t kUartClockHz = TINYNAS_CLOCK_HZ;  // the UART runs from the core clock

}  // namespace tinynas::firmware::cmsdk_uart_board
