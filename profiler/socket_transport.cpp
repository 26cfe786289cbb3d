#include "profiler/socket_transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace tinynas::profiler {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long to sleep between connection attempts while the server socket is not up yet.
constexpr milliseconds kConnectRetryInterval{20};

std::string errno_text(int error) { return std::strerror(error); }

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

void set_non_blocking(int fd, const std::string& description) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    throw TransportError(description +
                         ": cannot make the socket non-blocking: " + errno_text(errno));
  }
}

// Waits until `fd` is ready for `events`; false on timeout. Throws on poll errors.
bool wait_for(int fd, short events, Clock::time_point deadline, const std::string& description) {
  for (;;) {
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) throw TransportError(description + ": poll failed: " + errno_text(errno));
  }
}

}  // namespace

SocketTransport::SocketTransport(int fd, std::string description)
    : fd_(fd), description_(std::move(description)) {
  set_non_blocking(fd_, description_);
}

SocketTransport::~SocketTransport() { close(); }

void SocketTransport::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void SocketTransport::write(const uint8_t* data, std::size_t size, milliseconds timeout) {
  if (fd_ < 0) throw TransportError(description_ + ": write on a closed transport");
  const auto deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (sent < size) {
    // MSG_NOSIGNAL: a dead peer must be an exception here, not a SIGPIPE killing the host.
    const ssize_t n = ::send(fd_, data + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      throw TransportError(description_ + ": connection closed by the board side (" +
                           errno_text(errno) + ")");
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd_, POLLOUT, deadline, description_)) {
        throw TransportError(description_ + ": write timed out after " +
                             std::to_string(timeout.count()) + " ms (" + std::to_string(sent) +
                             " of " + std::to_string(size) + " bytes sent)");
      }
      continue;
    }
    throw TransportError(description_ + ": write failed: " + errno_text(errno));
  }
}

ReadResult SocketTransport::read(uint8_t* buffer, std::size_t capacity, milliseconds timeout) {
  if (fd_ < 0) throw TransportError(description_ + ": read on a closed transport");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, capacity, 0);
    if (n > 0) return {ReadResult::Kind::kData, static_cast<std::size_t>(n)};
    if (n == 0) throw TransportError(description_ + ": connection closed by the board side");
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) {
      throw TransportError(description_ + ": connection closed by the board side (reset)");
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      throw TransportError(description_ + ": read failed: " + errno_text(errno));
    }
    if (!wait_for(fd_, POLLIN, deadline, description_)) return {ReadResult::Kind::kTimeout, 0};
  }
}

std::unique_ptr<SocketTransport> connect_unix_socket(const std::string& path,
                                                     milliseconds timeout) {
  const std::string description = "unix:" + path;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    throw TransportError(description + ": socket path longer than " +
                         std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw TransportError(description + ": socket() failed: " + errno_text(errno));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
      return std::make_unique<SocketTransport>(fd, description);
    }
    const int error = errno;
    ::close(fd);
    const bool not_up_yet = error == ENOENT || error == ECONNREFUSED || error == EAGAIN;
    if (!not_up_yet || Clock::now() >= deadline) {
      throw TransportError(description + ": cannot connect within " +
                           std::to_string(timeout.count()) + " ms: " + errno_text(error));
    }
    std::this_thread::sleep_for(kConnectRetryInterval);
  }
}

std::unique_ptr<SocketTransport> connect_tcp(const std::string& host, int port,
                                             milliseconds timeout) {
  const std::string description = "tcp:" + host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const int resolved =
      ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses);
  if (resolved != 0) {
    throw TransportError(description + ": cannot resolve host: " + ::gai_strerror(resolved));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(addresses, &::freeaddrinfo);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int last_error = 0;
    for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last_error = errno;
        continue;
      }
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        // Frames are small request/reply exchanges: send them now, not after Nagle's delay.
        const int enable = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof(enable));
        return std::make_unique<SocketTransport>(fd, description);
      }
      last_error = errno;
      ::close(fd);
    }
    if (last_error != ECONNREFUSED || Clock::now() >= deadline) {
      throw TransportError(description + ": cannot connect within " +
                           std::to_string(timeout.count()) + " ms: " + errno_text(last_error));
    }
    std::this_thread::sleep_for(kConnectRetryInterval);
  }
}

}  // namespace tinynas::profiler
