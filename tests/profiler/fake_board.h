// A scripted board on the far end of a socketpair: decodes request frames like the runner does
// and answers through a handler the test provides (which may also send garbage or stay silent).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"
#include "firmware/protocol/messages.h"
#include "profiler/socket_transport.h"

namespace tinynas::profiler::testing {

namespace protocol = firmware::protocol;

struct FakeRequest {
  uint8_t command = 0;
  uint8_t sequence = 0;
  std::vector<uint8_t> body;
};

// Frames `payload` as the runner would.
inline std::vector<uint8_t> frame_of(const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> frame(protocol::kMaxEncodedFrame);
  frame.resize(protocol::encode_frame(payload.data(), payload.size(), frame.data(), frame.size()));
  return frame;
}

template <typename Body>
std::vector<uint8_t> ok_reply(const FakeRequest& request, const Body& body) {
  std::vector<uint8_t> payload(protocol::kMaxPayload);
  payload.resize(protocol::build_reply(request.command, request.sequence,
                                       protocol::ReplyStatus::kOk, body, payload.data(),
                                       payload.size()));
  return frame_of(payload);
}

inline std::vector<uint8_t> empty_ok_reply(const FakeRequest& request) {
  std::vector<uint8_t> payload(protocol::kMaxPayload);
  payload.resize(protocol::build_empty_reply(request.command, request.sequence, payload.data(),
                                             payload.size()));
  return frame_of(payload);
}

inline std::vector<uint8_t> error_reply(uint8_t command, uint8_t sequence,
                                        protocol::ReplyStatus status,
                                        const protocol::ErrorReply& error) {
  std::vector<uint8_t> payload(protocol::kMaxPayload);
  payload.resize(
      protocol::build_reply(command, sequence, status, error, payload.data(), payload.size()));
  return frame_of(payload);
}

inline protocol::Text text_of(const char* c_string) {
  protocol::Text text;
  text.data = c_string;
  text.size = static_cast<uint8_t>(std::char_traits<char>::length(c_string));
  return text;
}

class FakeBoard {
 public:
  // Returns the bytes to send back (empty: stay silent).
  using Handler = std::function<std::vector<uint8_t>(const FakeRequest&)>;

  explicit FakeBoard(Handler handler) : handler_(std::move(handler)) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
    host_fd_ = fds[0];
    board_fd_ = fds[1];
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeBoard() {
    stop_ = true;
    ::shutdown(board_fd_, SHUT_RDWR);
    thread_.join();
    ::close(board_fd_);
  }

  // The host end; call once.
  std::unique_ptr<Transport> host_transport() {
    return std::make_unique<SocketTransport>(host_fd_, "fake:board");
  }
  // Ends the board side of the line (as if the board died).
  void hang_up() { ::shutdown(board_fd_, SHUT_RDWR); }

  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  int bad_frames() const { return bad_frames_; }

 private:
  void serve() {
    protocol::FrameDecoder decoder;
    uint8_t buffer[1024];
    while (!stop_) {
      const ssize_t n = ::read(board_fd_, buffer, sizeof(buffer));
      if (n <= 0) return;
      for (ssize_t i = 0; i < n; ++i) {
        const auto event = decoder.push(buffer[i]);
        if (event == protocol::DecodeEvent::kError) ++bad_frames_;
        if (event != protocol::DecodeEvent::kFrame) continue;
        FakeRequest request;
        request.command = decoder.payload()[0];
        request.sequence = decoder.payload()[1];
        request.body.assign(decoder.payload() + protocol::kRequestHeaderSize,
                            decoder.payload() + decoder.payload_size());
        {
          std::lock_guard<std::mutex> lock(mutex_);
          requests_.push_back(request);
        }
        const std::vector<uint8_t> reply = handler_(request);
        if (!reply.empty() && ::send(board_fd_, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) {
          return;
        }
      }
    }
  }

  Handler handler_;
  int host_fd_ = -1;
  int board_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> bad_frames_{0};
  std::mutex mutex_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

}  // namespace tinynas::profiler::testing
