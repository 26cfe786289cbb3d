#include "profiler/tty_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tinynas::profiler {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int error) { return std::strerror(error); }

speed_t speed_of(int baud, const std::string& path) {
  switch (baud) {
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    case 230400:
      return B230400;
    case 460800:
      return B460800;
    case 921600:
      return B921600;
    default:
      throw TransportError(path + ": baud rate " + std::to_string(baud) +
                           " is not one termios knows (9600 ... 921600)");
  }
}

}  // namespace

bool is_pseudo_terminal_path(const std::string& path) { return path.rfind("/dev/pts/", 0) == 0; }

TtyTransport::TtyTransport(const std::string& path, int baud) : path_(path) {
  const speed_t speed = speed_of(baud, path);
  fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw TransportError(path + ": cannot open: " + errno_text(errno));
  termios settings{};
  if (::tcgetattr(fd_, &settings) != 0) {
    const int error = errno;
    close();
    throw TransportError(path + ": not a terminal: " + errno_text(error));
  }
  ::cfmakeraw(&settings);
  settings.c_cflag |= CLOCAL | CREAD;
  ::cfsetispeed(&settings, speed);
  ::cfsetospeed(&settings, speed);
  if (::tcsetattr(fd_, TCSANOW, &settings) != 0) {
    const int error = errno;
    close();
    throw TransportError(path + ": cannot configure: " + errno_text(error));
  }
}

TtyTransport::~TtyTransport() { close(); }

void TtyTransport::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool TtyTransport::wait(short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd_, events, 0};
    const int ready = ::poll(&entry, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (ready > 0) {
      if ((entry.revents & (POLLERR | POLLNVAL)) != 0) {
        throw TransportError(path_ + ": the terminal failed (poll revents " +
                             std::to_string(entry.revents) + ")");
      }
      return true;  // POLLHUP included: the read or write then says what happened
    }
    if (ready == 0) return false;
    if (errno != EINTR) throw TransportError(path_ + ": poll failed: " + errno_text(errno));
  }
}

void TtyTransport::write(const uint8_t* data, std::size_t size, std::chrono::milliseconds timeout) {
  if (fd_ < 0) throw TransportError(path_ + ": write on a closed transport");
  const auto deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::write(fd_, data + sent, size - sent);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
      throw TransportError(path_ + ": write failed: " + errno_text(errno));
    } else if (n < 0 && errno == EAGAIN && !wait(POLLOUT, deadline)) {
      throw TransportError(path_ + ": write timed out after " + std::to_string(timeout.count()) +
                           " ms (" + std::to_string(sent) + " of " + std::to_string(size) +
                           " bytes sent)");
    }
  }
}

ReadResult TtyTransport::read(uint8_t* buffer, std::size_t capacity,
                              std::chrono::milliseconds timeout) {
  if (fd_ < 0) throw TransportError(path_ + ": read on a closed transport");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n > 0) return {ReadResult::Kind::kData, static_cast<std::size_t>(n)};
    if (n == 0 || (n < 0 && errno == EIO)) {
      throw TransportError(path_ + ": the other side of the terminal closed it");
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) throw TransportError(path_ + ": read failed: " + errno_text(errno));
    if (!wait(POLLIN, deadline)) return {ReadResult::Kind::kTimeout, 0};
  }
}

}  // namespace tinynas::profiler
