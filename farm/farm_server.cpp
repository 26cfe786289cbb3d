#include "farm/farm_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "farm/beast_http.h"
#include "farm/farm_api.h"
#include "farm/http_status.h"

namespace tinynas::farm {
namespace {

constexpr char kServerName[] = "tinynas-farm";
// After refusing an oversize body, the rest of it is read and dropped (up to this much, for at
// most this long) so the client sees the 413 instead of a connection reset.
constexpr std::size_t kMaxDrainBytes = 64u << 20;
constexpr std::chrono::seconds kDrainTime{5};
constexpr std::size_t kDrainChunk = 64u << 10;
// A connection beyond limits.max_connections waits this long at most for its request's headers
// before it is answered 503.
constexpr std::chrono::milliseconds kRefusalTime{1000};
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

// The address to bind and to tell clients: "localhost" as the IPv4 loopback address.
std::string listen_host(const FarmConfig& config) {
  return config.listen == "localhost" ? "127.0.0.1" : config.listen;
}

bool is_http_parse_error(const beast::error_code& error) {
  return error.category() == http::make_error_code(http::error::bad_method).category();
}

// Descriptors the daemon opens must not reach the boards it launches (QEMU would hold its port).
void set_close_on_exec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

bool expects_continue(const http::request_parser<http::string_body>& parser) {
  return beast::iequals(parser.get()[http::field::expect], "100-continue");
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `open_sessions`: the count this session is one of while it lives; a session beyond the
  // limit (`refused`) only reads the request's headers to answer 503.
  Session(tcp::socket socket, Farm& farm, const FarmConfig& config,
          std::atomic<std::size_t>* open_sessions)
      : stream_(std::move(socket)), farm_(farm), config_(config), open_sessions_(open_sessions) {}
  ~Session() {
    if (open_sessions_ != nullptr) --*open_sessions_;
  }

  void start() { read(); }

 private:
  bool refused() const { return open_sessions_ == nullptr; }

  void read() {
    parser_.emplace();
    parser_->body_limit(config_.limits.max_body_bytes);
    stream_.expires_after(refused() ? std::min(config_.limits.http_timeout, kRefusalTime)
                                    : config_.limits.http_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  // Answers what the request line and headers are enough for (errors, a refusal, a missing or
  // wrong token) before a byte of the body is read; else reads the body.
  void on_header(beast::error_code error, std::size_t) {
    if (refused() && (!error || error == beast::error::timeout)) {
      return send(error_response(http_status::kServiceUnavailable,
                                 "too many connections: the farm serves " +
                                     std::to_string(config_.limits.max_connections) +
                                     " at once (limits.max_connections); retry later"),
                  false, !error);
    }
    if (error) return on_read(error, 0);
    const std::string authorization(parser_->get()[http::field::authorization]);
    if (auto refusal = refuse_unauthorized(authorization, config_.token)) {
      return send(std::move(*refusal), false, true);
    }
    if (expects_continue(*parser_) && !parser_->is_done()) {
      return asio::async_write(stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                               [self = shared_from_this()](beast::error_code e, std::size_t) {
                                 if (e) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code error, std::size_t) {
    if (error == http::error::end_of_stream || error == asio::error::eof) return close();
    if (error == http::error::body_limit) {
      return send(error_response(http_status::kPayloadTooLarge,
                                 "request body exceeds the limit of " +
                                     std::to_string(config_.limits.max_body_bytes) + " bytes"),
                  false, true);
    }
    if (error == beast::error::timeout) {
      if (parser_->got_some()) {
        return send(error_response(http_status::kRequestTimeout, "request not complete in time"),
                    false, false);
      }
      return close();
    }
    if (error && is_http_parse_error(error)) {
      return send(
          error_response(http_status::kBadRequest, "malformed HTTP request: " + error.message()),
          false, false);
    }
    if (error) return close();
    http::request<http::string_body> request = parser_->release();
    ApiRequest api;
    api.method = std::string(request.method_string());
    api.target = std::string(request.target());
    api.authorization = std::string(request[http::field::authorization]);
    api.body = std::move(request.body());
    ApiResponse response;
    try {
      response = handle_api_request(farm_, api, config_.token);
    } catch (const std::exception& e) {
      spdlog::error("farm: {} {}: {}", api.method, api.target, e.what());
      response = error_response(http_status::kInternalServerError,
                                std::string("internal error: ") + e.what());
    }
    if (request.method() == http::verb::head) response.body.clear();
    send(std::move(response), request.keep_alive(), false);
  }

  void send(ApiResponse api, bool keep_alive, bool drain_after) {
    response_ = {};
    response_.result(static_cast<unsigned>(api.status));
    response_.version(kHttpVersion);
    response_.set(http::field::server, kServerName);
    response_.set(http::field::content_type, api.content_type);
    for (const auto& [name, value] : api.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(api.body);
    response_.prepare_payload();
    stream_.expires_after(config_.limits.http_timeout);
    http::async_write(
        stream_, response_,
        [self = shared_from_this(), keep_alive, drain_after](beast::error_code error, std::size_t) {
          if (error) return self->close();
          if (drain_after) return self->start_drain();
          if (!keep_alive) return self->close();
          self->read();
        });
  }

  void start_drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kDrainTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code error, std::size_t n) {
                              self->drained_ += n;
                              if (error || self->drained_ > kMaxDrainBytes) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Farm& farm_;
  const FarmConfig& config_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, kDrainChunk> drain_buffer_{};
  std::size_t drained_ = 0;
  std::atomic<std::size_t>* open_sessions_;  // nullptr: refused
};

}  // namespace

struct FarmServer::Impl {
  Impl(Farm& f, const FarmConfig& c) : farm(f), config(c), acceptor(context) {}

  void accept() {
    acceptor.async_accept(
        asio::make_strand(context), [this](beast::error_code error, tcp::socket socket) {
          if (error) {
            if (error == asio::error::operation_aborted) return;
            spdlog::warn("farm: accept failed: {}", error.message());
          } else {
            set_close_on_exec(socket.native_handle());
            std::atomic<std::size_t>* counted = nullptr;
            if (++open_sessions <= config.limits.max_connections) {
              counted = &open_sessions;
            } else {
              --open_sessions;
            }
            std::make_shared<Session>(std::move(socket), farm, config, counted)->start();
          }
          if (acceptor.is_open()) accept();
        });
  }

  Farm& farm;
  FarmConfig config;
  std::atomic<std::size_t> open_sessions{0};  // outlives the sessions the context destroys
  asio::io_context context;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;
};

FarmServer::FarmServer(Farm& farm, const FarmConfig& config, int threads)
    : impl_(std::make_unique<Impl>(farm, config)) {
  check_serving_config(config);
  const std::string host = listen_host(config);
  const tcp::endpoint endpoint(asio::ip::make_address(host), config.port);
  beast::error_code error;
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) set_close_on_exec(acceptor.native_handle());
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    throw std::runtime_error("farm: cannot listen on " + host + ":" + std::to_string(config.port) +
                             ": " + error.message());
  }
  impl_->port = acceptor.local_endpoint().port();
  impl_->accept();
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->context.run(); });
  }
}

FarmServer::~FarmServer() { stop(); }

uint16_t FarmServer::port() const { return impl_->port; }

std::string FarmServer::url() const {
  const std::string host = listen_host(impl_->config);
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
}

void FarmServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  asio::post(impl_->context, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->context.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  // The close posted above may not have run before the threads stopped; a listening socket
  // would let clients connect to a farm that no longer answers.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

void serve_farm_until_signal(const FarmConfig& config, BoardFactory factory) {
  check_serving_config(config);  // before the store is created and the boards boot
  Farm farm(config, std::move(factory));
  FarmServer server(farm, config);
  spdlog::info("farm: serving {} boards on {} (database {}){}", farm.boards().size(), server.url(),
               config.database, config.token.empty() ? "" : "; bearer token required");
  asio::io_context signals_context;
  asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  signals.async_wait([](const beast::error_code& error, int signal) {
    if (!error) spdlog::info("farm: signal {} received, shutting down", signal);
  });
  // The farm stopping by itself (its store failed) ends the wait as a signal would.
  std::thread watcher([&] {
    if (farm.wait_for_failure()) signals_context.stop();
  });
  signals_context.run();
  server.stop();
  farm.stop();
  watcher.join();
  if (const std::optional<std::string> failure = farm.failure()) {
    throw std::runtime_error("farm: stopped: " + *failure);
  }
  spdlog::info("farm: stopped; unfinished jobs stay queued in {}", config.database);
}

}  // namespace tinynas::farm
