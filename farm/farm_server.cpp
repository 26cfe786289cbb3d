#include "farm/farm_server.h"

#include <spdlog/spdlog.h>

#include <array>
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

// The address to bind and to tell clients: "localhost" as the IPv4 loopback address.
std::string listen_host(const FarmConfig& config) {
  return config.listen == "localhost" ? "127.0.0.1" : config.listen;
}

bool is_http_parse_error(const beast::error_code& error) {
  return error.category() == http::make_error_code(http::error::bad_method).category();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Farm& farm, const FarmConfig& config)
      : stream_(std::move(socket)), farm_(farm), config_(config) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(config_.limits.max_body_bytes);
    stream_.expires_after(config_.limits.http_timeout);
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
};

}  // namespace

struct FarmServer::Impl {
  Impl(Farm& f, const FarmConfig& c) : farm(f), config(c), acceptor(context) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(context),
                          [this](beast::error_code error, tcp::socket socket) {
                            if (error) {
                              if (error == asio::error::operation_aborted) return;
                              spdlog::warn("farm: accept failed: {}", error.message());
                            } else {
                              std::make_shared<Session>(std::move(socket), farm, config)->start();
                            }
                            if (acceptor.is_open()) accept();
                          });
  }

  Farm& farm;
  FarmConfig config;
  asio::io_context context;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;
};

FarmServer::FarmServer(Farm& farm, const FarmConfig& config, int threads)
    : impl_(std::make_unique<Impl>(farm, config)) {
  if (!is_loopback_address(config.listen) && config.token.empty()) {
    throw FarmConfigError(config.source_path + ": listen: " + config.listen +
                          " is not a loopback address: set \"token\" (or $" +
                          kTokenEnvironmentVariable + ") so that clients must authenticate");
  }
  const std::string host = listen_host(config);
  const tcp::endpoint endpoint(asio::ip::make_address(host), config.port);
  beast::error_code error;
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), error);
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
}

void serve_farm_until_signal(const FarmConfig& config) {
  Farm farm(config);
  FarmServer server(farm, config);
  spdlog::info("farm: serving {} boards on {} (database {}){}", farm.boards().size(), server.url(),
               config.database, config.token.empty() ? "" : "; bearer token required");
  asio::io_context signals_context;
  asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  signals.async_wait([](const beast::error_code&, int signal) {
    spdlog::info("farm: signal {} received, shutting down", signal);
  });
  signals_context.run();
  server.stop();
  farm.stop();
  spdlog::info("farm: stopped; unfinished jobs stay queued in {}", config.database);
}

}  // namespace tinynas::farm
