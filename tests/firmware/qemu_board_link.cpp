#include "tests/firmware/qemu_board_link.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"

extern char** environ;

namespace tinynas::firmware::testing {

namespace {
constexpr int kConnectAttempts = 200;
constexpr auto kConnectRetryDelay = std::chrono::milliseconds(25);
// Boot can outlast the socket: QEMU's STM32 USART drops bytes that arrive before the firmware
// enables it, so the first HELLO is repeated until the board answers.
constexpr int kReadyAttempts = 100;
constexpr int kReadyPollMs = 100;
constexpr int kQuietMs = 300;  // no stray probe reply for this long: the line is clean
}  // namespace

QemuBoardLink::QemuBoardLink(const std::string& elf, const std::string& qemu,
                             const std::string& machine, int icount_shift,
                             const std::vector<std::string>& extra_args) {
  char dir_template[] = "/tmp/tinynas-fwtest-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = dir_template;
  const std::string socket_path = directory_ + "/serial.sock";
  std::vector<std::string> args = {
      qemu,       "-M",   machine,   "-nographic",
      "-monitor", "none", "-icount", "shift=" + std::to_string(icount_shift),
      "-kernel",  elf,    "-serial", "unix:" + socket_path + ",server=on,wait=off"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, qemu.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + qemu);
  }
  pid_ = pid;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  for (int attempt = 0; attempt < kConnectAttempts; ++attempt) {
    socket_ = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      wait_until_ready();
      return;
    }
    close(socket_);
    socket_ = -1;
    std::this_thread::sleep_for(kConnectRetryDelay);
  }
  this->~QemuBoardLink();
  throw std::runtime_error("QEMU serial socket " + socket_path + " did not come up");
}

void QemuBoardLink::wait_until_ready() {
  const std::vector<uint8_t> probe = {static_cast<uint8_t>(protocol::Command::kHello), 0};
  for (int attempt = 0; attempt < kReadyAttempts; ++attempt) {
    send_raw({0});  // ends any half frame a byte lost during boot left behind
    send_payload(probe);
    try {
      receive(kReadyPollMs);
    } catch (const std::runtime_error&) {
      continue;  // not up yet (timeout), or a frame cut by the boot (corrupt)
    }
    // Probes sent while the board was booting may still be answered: drain until quiet.
    while (true) {
      try {
        receive(kQuietMs);
      } catch (const std::runtime_error&) {
        pending_.clear();
        return;
      }
    }
  }
  throw std::runtime_error("QEMU board did not answer HELLO after " +
                           std::to_string(kReadyAttempts * kReadyPollMs) + " ms");
}

QemuBoardLink::~QemuBoardLink() {
  if (socket_ >= 0) close(socket_);
  socket_ = -1;
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  if (!directory_.empty()) {
    unlink((directory_ + "/serial.sock").c_str());
    rmdir(directory_.c_str());
  }
  directory_.clear();
}

void QemuBoardLink::send_raw(const std::vector<uint8_t>& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = write(socket_, bytes.data() + sent, bytes.size() - sent);
    if (n <= 0) throw std::runtime_error("write to the QEMU serial socket failed");
    sent += static_cast<size_t>(n);
  }
}

void QemuBoardLink::send_payload(const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> frame(protocol::kMaxEncodedFrame);
  const size_t size =
      protocol::encode_frame(payload.data(), payload.size(), frame.data(), frame.size());
  if (size == 0) throw std::runtime_error("payload too large for a frame");
  frame.resize(size);
  send_raw(frame);
}

Reply QemuBoardLink::receive(int timeout_ms) {
  protocol::FrameDecoder decoder;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    for (size_t i = 0; i < pending_.size(); ++i) {
      const protocol::DecodeEvent event = decoder.push(pending_[i]);
      if (event == protocol::DecodeEvent::kError) {
        throw std::runtime_error(std::string("corrupt reply frame: ") +
                                 protocol::frame_error_name(decoder.error()));
      }
      if (event != protocol::DecodeEvent::kFrame) continue;
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(i) + 1);
      Reply reply;
      protocol::ByteReader in(decoder.payload(), decoder.payload_size());
      if (!protocol::decode(in, reply.header)) throw std::runtime_error("reply without header");
      const uint8_t* body = in.bytes(in.remaining());
      reply.body.assign(body, body + (decoder.payload_size() - protocol::kReplyHeaderSize));
      return reply;
    }
    pending_.clear();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("timeout waiting for a reply");
    pollfd fd{socket_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    uint8_t buffer[4096];
    const ssize_t n = read(socket_, buffer, sizeof(buffer));
    if (n <= 0) throw std::runtime_error("QEMU serial socket closed");
    pending_.assign(buffer, buffer + n);
  }
}

Reply QemuBoardLink::request(protocol::Command command, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> payload = {static_cast<uint8_t>(command), ++sequence_};
  payload.insert(payload.end(), body.begin(), body.end());
  send_payload(payload);
  Reply reply = receive();
  if (reply.header.sequence != sequence_ ||
      reply.header.command != (static_cast<uint8_t>(command) | protocol::kReplyFlag)) {
    throw std::runtime_error("reply does not match the request");
  }
  return reply;
}

}  // namespace tinynas::firmware::testing
