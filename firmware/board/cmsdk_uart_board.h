// The board functions of an MPS2 FPGA image under QEMU whose serial port is a CMSDK APB UART
// (cmsdk_uart_board.cpp): the same for every such image but for where the UART sits and which
// interrupt it raises, which the image's board file defines (board_qemu_mps2*.cpp). The FPGA
// clock is fixed: nothing to set up.
#pragma once

#include <stdint.h>

namespace tinynas::firmware::cmsdk_uart_board {

extern const uint32_t kUartBase;  // the UART wired to QEMU's first -serial
extern const uint32_t kUartIrq;   // its receive (or combined) interrupt, an NVIC number

}  // namespace tinynas::firmware::cmsdk_uart_board
