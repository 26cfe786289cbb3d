// Board facts as compile definitions, passed by the firmware build from
// configs/boards/<kind>.json so HELLO and the board file can never disagree.
#pragma once

#include "firmware/server/protocol_server.h"

#if !defined(TINYNAS_BOARD_KIND) || !defined(TINYNAS_BOARD_CORE) || !defined(TINYNAS_CLOCK_HZ) || \
    !defined(TINYNAS_SRAM_BYTES) || !defined(TINYNAS_FLASH_BYTES) ||                              \
    !defined(TINYNAS_KERNELS_DSP) || !defined(TINYNAS_KERNELS_MVE)
#error "board facts must be defined by the firmware build (firmware/runner/CMakeLists.txt)"
#endif

namespace tinynas::firmware {

inline BoardFacts make_board_facts(protocol::TimerKind timer) {
  return BoardFacts{TINYNAS_BOARD_KIND,
                    TINYNAS_BOARD_CORE,
                    TINYNAS_CLOCK_HZ,
                    TINYNAS_SRAM_BYTES,
                    TINYNAS_FLASH_BYTES,
                    timer,
                    TINYNAS_KERNELS_MVE   ? protocol::KernelPath::kMve
                    : TINYNAS_KERNELS_DSP ? protocol::KernelPath::kDsp
                                          : protocol::KernelPath::kPlain};
}

}  // namespace tinynas::firmware
