#include "profiler/open_port.h"

#include "profiler/serial_port_transport.h"
#include "profiler/socket_transport.h"
#include "profiler/tty_transport.h"

namespace tinynas::profiler {
namespace {

constexpr char kUnixPrefix[] = "unix:";
constexpr char kTcpPrefix[] = "tcp:";
constexpr int kMaxTcpPort = 65535;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::unique_ptr<Transport> open_port(const std::string& port, int baud,
                                     std::chrono::milliseconds connect_timeout) {
  if (starts_with(port, kUnixPrefix)) {
    return connect_unix_socket(port.substr(sizeof(kUnixPrefix) - 1), connect_timeout);
  }
  if (starts_with(port, kTcpPrefix)) {
    const std::string rest = port.substr(sizeof(kTcpPrefix) - 1);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
      throw TransportError("port '" + port + "': expected tcp:HOST:PORT");
    }
    const std::string number = rest.substr(colon + 1);
    std::size_t parsed = 0;
    int tcp_port = -1;
    try {
      tcp_port = std::stoi(number, &parsed);
    } catch (const std::exception&) {
      parsed = 0;
    }
    if (parsed != number.size() || tcp_port <= 0 || tcp_port > kMaxTcpPort) {
      throw TransportError("port '" + port + "': TCP port must be 1..65535, got '" + number + "'");
    }
    return connect_tcp(rest.substr(0, colon), tcp_port, connect_timeout);
  }
  if (is_pseudo_terminal_path(port)) return std::make_unique<TtyTransport>(port, baud);
  return std::make_unique<SerialPortTransport>(port, baud);
}

}  // namespace tinynas::profiler
