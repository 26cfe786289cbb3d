// Client of a farm's HTTP API: submit models, wait for their measurements, read board and
// queue status. One connection per request (plain HTTP/1.1 over TCP); the bearer token comes
// from the caller or $TINYNAS_FARM_TOKEN.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "profiler/profile.h"

namespace tinynas::farm {

// A request failed: cannot connect, HTTP error status (with the farm's message), bad reply.
class FarmClientError : public std::runtime_error {
 public:
  FarmClientError(const std::string& message, int http_status = 0)
      : std::runtime_error(message), http_status_(http_status) {}
  int http_status() const { return http_status_; }  // 0 when no HTTP reply arrived

 private:
  int http_status_;
};

struct FarmEndpoint {
  std::string host;
  std::string port;
};
// "http://host:port[/]" (IPv6 hosts in brackets). Throws FarmClientError naming the URL.
FarmEndpoint parse_farm_url(const std::string& url);

struct HttpReply {
  int status = 0;
  std::string body;
};

inline constexpr std::chrono::milliseconds kDefaultHttpTimeout{30000};
inline constexpr std::chrono::milliseconds kDefaultPollInterval{100};

class FarmClient {
 public:
  // Empty token: $TINYNAS_FARM_TOKEN if set, else none.
  explicit FarmClient(const std::string& url, std::string token = {},
                      std::chrono::milliseconds timeout = kDefaultHttpTimeout);

  const std::string& url() const { return url_; }

  // One raw request; never throws for an HTTP error status (tests inspect 4xx replies).
  HttpReply request(const std::string& method, const std::string& target,
                    const std::string& body = {},
                    const std::string& content_type = "application/octet-stream");

  nlohmann::json status();  // GET /v1/status
  nlohmann::json boards();  // GET /v1/boards
  // POST /v1/jobs; returns the reply ({"id", "model", "from_store", "state"}).
  nlohmann::json submit(const std::vector<uint8_t>& model, const std::string& kind,
                        uint32_t runs = 1);
  nlohmann::json job(int64_t id);  // GET /v1/jobs/{id}
  // Polls until the job is done or failed; throws FarmClientError after `timeout`.
  nlohmann::json wait_for_job(int64_t id, std::chrono::milliseconds timeout,
                              std::chrono::milliseconds poll_interval = kDefaultPollInterval);
  nlohmann::json measurements(const std::string& model_sha256, const std::string& kind = {});

 private:
  nlohmann::json get_json(const std::string& target);

  std::string url_;
  FarmEndpoint endpoint_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

struct FarmProfileOptions {
  uint32_t runs = 1;
  std::string token;                                            // empty: $TINYNAS_FARM_TOKEN
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // queueing included
};

// Checks, before work that needs it starts, that the farm at `url` answers and has boards of
// `kind`. Throws FarmClientError naming the URL and, for a missing kind, the kinds it has.
void check_farm_serves(const std::string& url, const std::string& kind,
                       const std::string& token = {});

// `tinynas profile MODEL.tnm --farm URL --board KIND`: submits the model, waits, and returns
// the farm's measurement as a ProfileResult (output bytes are not kept by the farm: `output`
// is empty, `output_crc32` and `output_matches_host` say what the board produced). Throws
// FarmClientError when the job fails (with the farm's reason) or the farm cannot be reached.
profiler::ProfileResult profile_on_farm(const std::string& url, const std::string& kind,
                                        const std::vector<uint8_t>& model,
                                        const FarmProfileOptions& options = {});

// The inverse of profiler::to_json(ProfileResult) (without the output bytes). Throws
// FarmClientError naming the missing or mistyped field.
profiler::ProfileResult profile_result_from_json(const nlohmann::json& json);

}  // namespace tinynas::farm
