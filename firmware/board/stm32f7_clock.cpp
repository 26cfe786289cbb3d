#include "firmware/board/stm32f7_clock.h"

#include "firmware/board/mmio.h"

namespace tinynas::firmware::stm32f7_clock {

namespace {
constexpr uint32_t kRccBase = 0x40023800;
constexpr uint32_t kRccCr = 0x00;
constexpr uint32_t kRccPllCfgr = 0x04;
constexpr uint32_t kRccCfgr = 0x08;
constexpr uint32_t kRccApb1Enr = 0x40;
constexpr uint32_t kRccCrHseOn = 1u << 16;
constexpr uint32_t kRccCrHseReady = 1u << 17;
constexpr uint32_t kRccCrPllOn = 1u << 24;
constexpr uint32_t kRccCrPllReady = 1u << 25;
constexpr uint32_t kRccApb1EnrPwr = 1u << 28;
// PLL: f_vco = 25 MHz / M * N = 432 MHz; SYSCLK = f_vco / P = 216 MHz; 48 MHz domain = f_vco / Q.
constexpr uint32_t kPllM = 25;
constexpr uint32_t kPllN = 432;
constexpr uint32_t kPllPDiv2 = 0;  // PLLP field 00 = divide by 2
constexpr uint32_t kPllQ = 9;
constexpr uint32_t kPllNShift = 6;
constexpr uint32_t kPllPShift = 16;
constexpr uint32_t kPllSourceHse = 1u << 22;
constexpr uint32_t kPllQShift = 24;
constexpr uint32_t kCfgrSwMask = 0x3;
constexpr uint32_t kCfgrSwPll = 0x2;
constexpr uint32_t kCfgrSwsShift = 2;
constexpr uint32_t kCfgrPpre1Div4 = 0x5u << 10;
constexpr uint32_t kCfgrPpre2Div2 = 0x4u << 13;
constexpr uint32_t kCfgrPrescalerMask = (0xFu << 4) | (0x7u << 10) | (0x7u << 13);

constexpr uint32_t kPwrBase = 0x40007000;
constexpr uint32_t kPwrCr1 = 0x00;
constexpr uint32_t kPwrCsr1 = 0x04;
constexpr uint32_t kPwrCr1VosScale1 = 0x3u << 14;
constexpr uint32_t kPwrCr1OverDriveEnable = 1u << 16;
constexpr uint32_t kPwrCr1OverDriveSwitch = 1u << 17;
constexpr uint32_t kPwrCsr1OverDriveReady = 1u << 16;
constexpr uint32_t kPwrCsr1OverDriveSwitchReady = 1u << 17;

constexpr uint32_t kFlashBase = 0x40023C00;
constexpr uint32_t kFlashAcr = 0x00;
constexpr uint32_t kFlashLatency216MhzAt3V3 = 7;  // RM0385 table 7: 7 wait states above 210 MHz
constexpr uint32_t kFlashAcrLatencyMask = 0xF;
constexpr uint32_t kFlashAcrPrefetch = 1u << 8;
constexpr uint32_t kFlashAcrArtAccelerator = 1u << 9;

constexpr uint32_t kScbBase = 0xE000ED00;
constexpr uint32_t kScbCcr = 0x14;
constexpr uint32_t kScbCcsidr = 0x80;
constexpr uint32_t kScbCsselr = 0x84;
constexpr uint32_t kScbCcrDataCache = 1u << 16;
constexpr uint32_t kScbCcrInstructionCache = 1u << 17;
constexpr uint32_t kIcialluAddress = 0xE000EF50;
constexpr uint32_t kDciswAddress = 0xE000EF60;
constexpr uint32_t kWayShift = 30;  // Cortex-M7 L1 D-cache: 4 ways
constexpr uint32_t kSetShift = 5;   // 32-byte lines

void wait_for(uint32_t base, uint32_t offset, uint32_t mask) {
  while ((reg(base, offset) & mask) == 0) {
  }
}
}  // namespace

void init_216mhz_from_hse_25mhz() {
  reg(kRccBase, kRccApb1Enr) |= kRccApb1EnrPwr;
  reg(kPwrBase, kPwrCr1) |= kPwrCr1VosScale1;

  reg(kRccBase, kRccCr) |= kRccCrHseOn;
  wait_for(kRccBase, kRccCr, kRccCrHseReady);
  reg(kRccBase, kRccPllCfgr) = kPllM | (kPllN << kPllNShift) | (kPllPDiv2 << kPllPShift) |
                               kPllSourceHse | (kPllQ << kPllQShift);
  reg(kRccBase, kRccCr) |= kRccCrPllOn;
  wait_for(kRccBase, kRccCr, kRccCrPllReady);

  // 216 MHz needs over-drive (RM0385 4.1.4): enable, then switch, waiting for each.
  reg(kPwrBase, kPwrCr1) |= kPwrCr1OverDriveEnable;
  wait_for(kPwrBase, kPwrCsr1, kPwrCsr1OverDriveReady);
  reg(kPwrBase, kPwrCr1) |= kPwrCr1OverDriveSwitch;
  wait_for(kPwrBase, kPwrCsr1, kPwrCsr1OverDriveSwitchReady);

  // Wait states before raising the clock.
  reg(kFlashBase, kFlashAcr) = (reg(kFlashBase, kFlashAcr) & ~kFlashAcrLatencyMask) |
                               kFlashLatency216MhzAt3V3 | kFlashAcrPrefetch |
                               kFlashAcrArtAccelerator;
  while ((reg(kFlashBase, kFlashAcr) & kFlashAcrLatencyMask) != kFlashLatency216MhzAt3V3) {
  }
  reg(kRccBase, kRccCfgr) =
      (reg(kRccBase, kRccCfgr) & ~kCfgrPrescalerMask) | kCfgrPpre1Div4 | kCfgrPpre2Div2;
  reg(kRccBase, kRccCfgr) = (reg(kRccBase, kRccCfgr) & ~kCfgrSwMask) | kCfgrSwPll;
  while (((reg(kRccBase, kRccCfgr) >> kCfgrSwsShift) & kCfgrSwMask) != kCfgrSwPll) {
  }
}

void enable_caches() {
  data_sync_barrier();
  instruction_sync_barrier();
  reg(kIcialluAddress, 0) = 0;
  data_sync_barrier();
  instruction_sync_barrier();
  reg(kScbBase, kScbCcr) |= kScbCcrInstructionCache;
  data_sync_barrier();
  instruction_sync_barrier();

  // Invalidate the whole D-cache by set/way before enabling it (its contents are random after
  // reset).
  reg(kScbBase, kScbCsselr) = 0;  // level 1 data cache
  data_sync_barrier();
  const uint32_t ccsidr = reg(kScbBase, kScbCcsidr);
  const uint32_t sets = ((ccsidr >> 13) & 0x7FFF) + 1;
  const uint32_t ways = ((ccsidr >> 3) & 0x3FF) + 1;
  for (uint32_t set = 0; set < sets; ++set) {
    for (uint32_t way = 0; way < ways; ++way) {
      reg(kDciswAddress, 0) = (way << kWayShift) | (set << kSetShift);
    }
  }
  data_sync_barrier();
  reg(kScbBase, kScbCcr) |= kScbCcrDataCache;
  data_sync_barrier();
  instruction_sync_barrier();
}

void invalidate_data_cache(const void* address, size_t size) {
  constexpr uint32_t kDcimvacAddress = 0xE000EF5C;  // D-cache invalidate by address to PoC
  constexpr uint32_t kLineBytes = 32;               // Cortex-M7 L1 cache line
  const uintptr_t start = reinterpret_cast<uintptr_t>(address) & ~uintptr_t{kLineBytes - 1};
  const uintptr_t end = reinterpret_cast<uintptr_t>(address) + size;
  data_sync_barrier();
  for (uintptr_t line = start; line < end; line += kLineBytes) {
    reg(kDcimvacAddress, 0) = static_cast<uint32_t>(line);
  }
  data_sync_barrier();
  instruction_sync_barrier();
}

}  // namespace tinynas::firmware::stm32f7_clock
