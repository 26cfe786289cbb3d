// The farm's HTTP server (Boost.Beast): accepts connections on the configured address, reads
// each request under a body size limit and a timeout, and answers with handle_api_request().
// Loopback by default; on any other address it refuses to start without a bearer token.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "farm/farm.h"
#include "farm/farm_config.h"

namespace tinynas::farm {

inline constexpr int kDefaultServerThreads = 2;

class FarmServer {
 public:
  // Binds and starts serving on `threads` threads. Throws FarmConfigError for a non-loopback
  // address without a token, std::runtime_error naming the address when it cannot bind.
  FarmServer(Farm& farm, const FarmConfig& config, int threads = kDefaultServerThreads);
  ~FarmServer();
  FarmServer(const FarmServer&) = delete;
  FarmServer& operator=(const FarmServer&) = delete;

  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:8470"
  // Stops accepting and closes connections. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `tinynas farm serve`: starts the farm and its server, logs the URL, and runs until SIGINT or
// SIGTERM; then stops the server and the farm (unfinished jobs stay queued in the store).
void serve_farm_until_signal(const FarmConfig& config, BoardFactory factory = make_default_board);

}  // namespace tinynas::farm
