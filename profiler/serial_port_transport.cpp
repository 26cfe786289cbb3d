#include "profiler/serial_port_transport.h"

#include <libserialport.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace tinynas::profiler {
namespace {

constexpr int kDataBits = 8;
constexpr int kStopBits = 1;

std::string last_error_text() {
  char* message = sp_last_error_message();
  std::string text = message != nullptr ? message : "unknown error";
  sp_free_error_message(message);
  return text;
}

// libserialport treats a timeout of 0 as "wait forever"; every wait here is bounded.
unsigned int bounded_timeout_ms(std::chrono::milliseconds timeout) {
  const auto ms = std::max<std::chrono::milliseconds::rep>(timeout.count(), 1);
  return static_cast<unsigned int>(
      std::min<std::chrono::milliseconds::rep>(ms, std::numeric_limits<unsigned int>::max()));
}

void check(sp_return result, const std::string& port_name, const std::string& what) {
  if (result < SP_OK) throw TransportError(port_name + ": " + what + ": " + last_error_text());
}

// libserialport says "no such serial port: Success" for a path that exists but is no device:
// say what the path is instead.
void check_serial_device(const std::string& port_name) {
  struct stat info {};
  if (::stat(port_name.c_str(), &info) != 0) {
    const int error = errno;
    throw TransportError(
        port_name + ": no such serial port" +
        (error == ENOENT ? std::string() : std::string(": ") + std::strerror(error)));
  }
  if (S_ISCHR(info.st_mode)) return;
  const char* what = S_ISREG(info.st_mode)   ? "a regular file"
                     : S_ISDIR(info.st_mode) ? "a directory"
                                             : "not a character device";
  throw TransportError(port_name + ": not a serial device (" + what + ")");
}

}  // namespace

SerialPortTransport::SerialPortTransport(const std::string& port_name, int baud)
    : port_name_(port_name) {
  if (baud <= 0) {
    throw TransportError(port_name + ": baud rate must be positive, got " + std::to_string(baud));
  }
  check_serial_device(port_name);
  check(sp_get_port_by_name(port_name.c_str(), &port_), port_name, "no such serial port");
  if (sp_open(port_, SP_MODE_READ_WRITE) < SP_OK) {
    const std::string reason = last_error_text();
    sp_free_port(port_);
    port_ = nullptr;
    throw TransportError(port_name + ": cannot open: " + reason);
  }
  try {
    check(sp_set_baudrate(port_, baud), port_name, "cannot set baud rate " + std::to_string(baud));
    check(sp_set_bits(port_, kDataBits), port_name, "cannot set 8 data bits");
    check(sp_set_parity(port_, SP_PARITY_NONE), port_name, "cannot disable parity");
    check(sp_set_stopbits(port_, kStopBits), port_name, "cannot set 1 stop bit");
    check(sp_set_flowcontrol(port_, SP_FLOWCONTROL_NONE), port_name, "cannot disable flow control");
    check(sp_flush(port_, SP_BUF_BOTH), port_name, "cannot flush buffers");
  } catch (...) {
    close();
    throw;
  }
}

SerialPortTransport::~SerialPortTransport() { close(); }

void SerialPortTransport::close() {
  if (port_ != nullptr) {
    sp_close(port_);
    sp_free_port(port_);
    port_ = nullptr;
  }
}

void SerialPortTransport::write(const uint8_t* data, std::size_t size,
                                std::chrono::milliseconds timeout) {
  if (port_ == nullptr) throw TransportError(port_name_ + ": write on a closed port");
  const sp_return written = sp_blocking_write(port_, data, size, bounded_timeout_ms(timeout));
  check(written, port_name_, "write failed");
  if (static_cast<std::size_t>(written) != size) {
    throw TransportError(port_name_ + ": write timed out after " + std::to_string(timeout.count()) +
                         " ms (" + std::to_string(written) + " of " + std::to_string(size) +
                         " bytes sent)");
  }
}

void SerialPortTransport::set_baud(int baud) {
  if (port_ == nullptr) throw TransportError(port_name_ + ": baud rate change on a closed port");
  check(sp_drain(port_), port_name_, "cannot drain before a baud rate change");
  check(sp_set_baudrate(port_, baud), port_name_, "cannot set baud rate " + std::to_string(baud));
}

ReadResult SerialPortTransport::read(uint8_t* buffer, std::size_t capacity,
                                     std::chrono::milliseconds timeout) {
  if (port_ == nullptr) throw TransportError(port_name_ + ": read on a closed port");
  const sp_return received =
      sp_blocking_read_next(port_, buffer, capacity, bounded_timeout_ms(timeout));
  check(received, port_name_, "read failed");
  if (received == 0) return {ReadResult::Kind::kTimeout, 0};
  return {ReadResult::Kind::kData, static_cast<std::size_t>(received)};
}

std::vector<SerialPortInfo> list_serial_ports() {
  sp_port** ports = nullptr;
  if (sp_list_ports(&ports) < SP_OK) {
    throw TransportError("cannot list serial ports: " + last_error_text());
  }
  std::vector<SerialPortInfo> result;
  for (sp_port** p = ports; *p != nullptr; ++p) {
    SerialPortInfo info;
    info.name = sp_get_port_name(*p);
    const char* description = sp_get_port_description(*p);
    info.description = description != nullptr ? description : "";
    switch (sp_get_port_transport(*p)) {
      case SP_TRANSPORT_USB: {
        info.transport = "usb";
        int vendor_id = 0;
        int product_id = 0;
        if (sp_get_port_usb_vid_pid(*p, &vendor_id, &product_id) == SP_OK) {
          info.usb_vendor_id = static_cast<uint16_t>(vendor_id);
          info.usb_product_id = static_cast<uint16_t>(product_id);
        }
        auto text = [](const char* value) { return value != nullptr ? value : ""; };
        info.usb_serial = text(sp_get_port_usb_serial(*p));
        info.usb_product = text(sp_get_port_usb_product(*p));
        info.usb_manufacturer = text(sp_get_port_usb_manufacturer(*p));
        break;
      }
      case SP_TRANSPORT_BLUETOOTH:
        info.transport = "bluetooth";
        break;
      default:
        info.transport = "native";
        break;
    }
    result.push_back(std::move(info));
  }
  sp_free_port_list(ports);
  std::sort(result.begin(), result.end(),
            [](const SerialPortInfo& a, const SerialPortInfo& b) { return a.name < b.name; });
  return result;
}

}  // namespace tinynas::profiler
