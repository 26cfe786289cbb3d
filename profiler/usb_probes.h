// Which debug probe or USB-serial bridge a USB serial port belongs to, by its USB vendor and
// product IDs: the ST-LINK's and DAPLink's virtual COM ports sit on the probe that also
// flashes the board; plain USB-UART bridges reach an STM32's ROM bootloader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tinynas::profiler {

struct UsbProbe {
  std::string name;        // "ST-LINK/V2-1"
  std::string flash_with;  // the `tinynas boards flash --probe` values that use it
};

// The probe of a USB VID:PID, nullopt for devices tinynas does not know.
std::optional<UsbProbe> usb_probe(uint16_t vendor_id, uint16_t product_id);

// "0483:374b"
std::string usb_id_text(uint16_t vendor_id, uint16_t product_id);

}  // namespace tinynas::profiler
