// Turns a --port argument into a transport: "unix:PATH" and "tcp:HOST:PORT" reach QEMU (or any
// runner behind a socket); /dev/pts/N (QEMU `-serial pty`) opens through termios; anything else
// is a serial device opened through libserialport.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "profiler/transport.h"

namespace tinynas::profiler {

inline constexpr std::chrono::milliseconds kDefaultConnectTimeout{5000};

std::unique_ptr<Transport> open_port(
    const std::string& port, int baud,
    std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout);

}  // namespace tinynas::profiler
