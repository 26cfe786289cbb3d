#include "profiler/usb_probes.h"

#include <cstdio>

namespace tinynas::profiler {
namespace {

struct KnownDevice {
  uint16_t vendor_id;
  uint16_t product_id;
  const char* name;
  const char* flash_with;
};

constexpr char kStLinkTools[] = "st-link, openocd";
constexpr char kOpenocd[] = "openocd";
constexpr char kBootloader[] = "serial-bootloader";

// USB IDs as the vendors publish them (usb.ids lists the same).
constexpr KnownDevice kKnownDevices[] = {
    {0x0483, 0x3748, "ST-LINK/V2", kStLinkTools},
    {0x0483, 0x374a, "ST-LINK/V2-1", kStLinkTools},
    {0x0483, 0x374b, "ST-LINK/V2-1", kStLinkTools},
    {0x0483, 0x3752, "ST-LINK/V2-1", kStLinkTools},
    {0x0483, 0x374d, "STLINK-V3 loader", kStLinkTools},
    {0x0483, 0x374e, "STLINK-V3", kStLinkTools},
    {0x0483, 0x374f, "STLINK-V3", kStLinkTools},
    {0x0483, 0x3753, "STLINK-V3", kStLinkTools},
    {0x0483, 0x3754, "STLINK-V3", kStLinkTools},
    {0x0d28, 0x0204, "Arm DAPLink (CMSIS-DAP)", kOpenocd},
    {0x2e8a, 0x000c, "Raspberry Pi Debug Probe (CMSIS-DAP)", kOpenocd},
    {0x1366, 0x0101, "SEGGER J-Link", kOpenocd},
    {0x1366, 0x0105, "SEGGER J-Link", kOpenocd},
    {0x1366, 0x1015, "SEGGER J-Link", kOpenocd},
    {0x1366, 0x1051, "SEGGER J-Link", kOpenocd},
    {0x0403, 0x6001, "FTDI FT232R USB-UART", kBootloader},
    {0x0403, 0x6010, "FTDI FT2232 USB-UART", kBootloader},
    {0x0403, 0x6014, "FTDI FT232H USB-UART", kBootloader},
    {0x0403, 0x6015, "FTDI FT-X USB-UART", kBootloader},
    {0x10c4, 0xea60, "Silicon Labs CP210x USB-UART", kBootloader},
    {0x1a86, 0x7523, "WCH CH340 USB-UART", kBootloader},
    {0x067b, 0x2303, "Prolific PL2303 USB-UART", kBootloader},
};

}  // namespace

std::optional<UsbProbe> usb_probe(uint16_t vendor_id, uint16_t product_id) {
  for (const KnownDevice& device : kKnownDevices) {
    if (device.vendor_id == vendor_id && device.product_id == product_id) {
      return UsbProbe{device.name, device.flash_with};
    }
  }
  return std::nullopt;
}

std::string usb_id_text(uint16_t vendor_id, uint16_t product_id) {
  char text[10];
  std::snprintf(text, sizeof(text), "%04x:%04x", vendor_id, product_id);
  return text;
}

}  // namespace tinynas::profiler
