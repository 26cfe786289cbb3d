// The board functions of an MPS2/MPS3 FPGA image under QEMU whose serial port is a CMSDK APB UART
// (cmsdk_uart_board.cpp): the same for every such image but for where the UART sits, which
// interrupt it raises and the clock it runs from, which the image's board file defines
// (board_qemu_mps2*.cpp, board_qemu_mps3_an547.cpp). The FPGA clocks are fixed: nothing to set up.
#pragma once

#include <stdint.h>

namespace tinynas::firmware::cmsdk_uart_board {

extern const uint32_t kUartBase;     // the UART wired to QEMU's first -serial
extern const uint32_t kUartIrq;      // its receive (or combined) interrupt, an NVIC number
extern const uint32_t kUartClockHz;  // the clock its baud divider counts

}  // namespace tinynas::firmware::cmsdk_uart_board
