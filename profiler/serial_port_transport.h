// A real board on a serial port (USB virtual COM port, USB-UART adapter) through libserialport.
// libserialport refuses pseudo-terminals; emulated boards use socket_transport.h instead.
#pragma once

#include <string>
#include <vector>

#include "profiler/transport.h"

struct sp_port;

namespace tinynas::profiler {

inline constexpr int kDefaultBaud = 115200;

class SerialPortTransport : public Transport {
 public:
  // Opens `port_name` read/write at `baud`, 8 data bits, no parity, 1 stop bit, no flow
  // control, and drops whatever the OS had buffered. Throws TransportError naming the port.
  SerialPortTransport(const std::string& port_name, int baud);
  ~SerialPortTransport() override;

  void write(const uint8_t* data, std::size_t size, std::chrono::milliseconds timeout) override;
  ReadResult read(uint8_t* buffer, std::size_t capacity,
                  std::chrono::milliseconds timeout) override;
  void close() override;
  std::string description() const override { return port_name_; }
  void set_baud(int baud) override;

 private:
  sp_port* port_ = nullptr;
  std::string port_name_;
};

struct SerialPortInfo {
  std::string name;         // "/dev/ttyACM0"
  std::string description;  // libserialport's description ("STM32 STLink - ST-Link VCP Ctrl")
  std::string transport;    // "usb", "bluetooth", "native"
  // USB ports: the device's IDs and strings as libserialport reads them (from sysfs on Linux).
  uint16_t usb_vendor_id = 0;
  uint16_t usb_product_id = 0;
  std::string usb_serial;        // the probe's serial number (selects it among several)
  std::string usb_product;       // "STM32 STLink"
  std::string usb_manufacturer;  // "STMicroelectronics"
};

// The serial ports present on this host. Throws TransportError when enumeration fails.
std::vector<SerialPortInfo> list_serial_ports();

}  // namespace tinynas::profiler
