#include "firmware/board/nrf52_uarte.h"

#include "firmware/board/mmio.h"

namespace tinynas::firmware::nrf52_uarte {

namespace {
constexpr uint32_t kTasksStartRx = 0x000;
constexpr uint32_t kTasksStartTx = 0x008;
constexpr uint32_t kEventsEndRx = 0x110;
constexpr uint32_t kEventsEndTx = 0x120;
constexpr uint32_t kShorts = 0x200;
constexpr uint32_t kIntEnSet = 0x304;
constexpr uint32_t kEnable = 0x500;
constexpr uint32_t kPselTxd = 0x50C;
constexpr uint32_t kPselRxd = 0x514;
constexpr uint32_t kBaudRate = 0x524;
constexpr uint32_t kRxdPtr = 0x534;
constexpr uint32_t kRxdMaxCnt = 0x538;
constexpr uint32_t kTxdPtr = 0x544;
constexpr uint32_t kTxdMaxCnt = 0x548;
constexpr uint32_t kConfig = 0x56C;
constexpr uint32_t kEnableUarte = 8;
constexpr uint32_t kShortEndRxStartRx = 1u << 5;
constexpr uint32_t kIntEndRx = 1u << 4;
constexpr uint32_t kConfig8N1 = 0;

struct BaudSetting {
  uint32_t baud;
  uint32_t value;
};
// BAUDRATE register values (product specification, UARTE BAUDRATE).
constexpr BaudSetting kBaudSettings[] = {
    {9600, 0x00275000},   {19200, 0x004EA000},  {38400, 0x009D5000},
    {57600, 0x00EB0000},  {115200, 0x01D7E000}, {230400, 0x03AFB000},
    {460800, 0x075F7000}, {921600, 0x0EBED000}, {1000000, 0x10000000}};

// The DMA buffers: EasyDMA reaches RAM only, never flash.
uint8_t g_rx_byte = 0;
uint8_t g_tx_byte = 0;

uint32_t address_of(const uint8_t* p) {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p));
}

uint32_t baud_value(uint32_t baud) {
  for (const BaudSetting& setting : kBaudSettings) {
    if (setting.baud == baud) return setting.value;
  }
  return 0;
}
}  // namespace

void init(uint32_t base, uint32_t tx_pin, uint32_t rx_pin, uint32_t baud) {
  reg(base, kEnable) = 0;
  reg(base, kPselTxd) = tx_pin;
  reg(base, kPselRxd) = rx_pin;
  reg(base, kBaudRate) = baud_value(baud);
  reg(base, kConfig) = kConfig8N1;
  reg(base, kEnable) = kEnableUarte;
  reg(base, kRxdPtr) = address_of(&g_rx_byte);
  reg(base, kRxdMaxCnt) = 1;
  reg(base, kShorts) = kShortEndRxStartRx;
  reg(base, kEventsEndRx) = 0;
  reg(base, kIntEnSet) = kIntEndRx;
  reg(base, kTasksStartRx) = 1;
}

bool baud_supported(uint32_t baud) { return baud_value(baud) != 0; }

void set_baud(uint32_t base, uint32_t baud) { reg(base, kBaudRate) = baud_value(baud); }

bool rx_ready(uint32_t base) { return reg(base, kEventsEndRx) != 0; }

bool try_read(uint32_t base, uint8_t* byte) {
  if (!rx_ready(base)) return false;
  reg(base, kEventsEndRx) = 0;
  *byte = g_rx_byte;
  return true;
}

void write(uint32_t base, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    g_tx_byte = data[i];
    reg(base, kEventsEndTx) = 0;
    reg(base, kTxdPtr) = address_of(&g_tx_byte);
    reg(base, kTxdMaxCnt) = 1;
    reg(base, kTasksStartTx) = 1;
    while (reg(base, kEventsEndTx) == 0) {
    }
  }
}

}  // namespace tinynas::firmware::nrf52_uarte
