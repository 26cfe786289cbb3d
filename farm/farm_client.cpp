#include "farm/farm_client.h"

#include <boost/asio/connect.hpp>
#include <cstdlib>
#include <set>
#include <thread>

#include "farm/beast_http.h"
#include "farm/farm_config.h"
#include "farm/http_status.h"

namespace tinynas::farm {
namespace {

// How long a farm may take to say which boards it has.
constexpr std::chrono::milliseconds kFarmCheckTimeout{10000};

constexpr char kScheme[] = "http://";
constexpr char kDefaultUrlPort[] = "80";
constexpr std::size_t kMaxReplyBytes = 64u << 20;

std::string error_message(const HttpReply& reply) {
  try {
    const auto json = nlohmann::json::parse(reply.body);
    if (json.contains("error") && json["error"].is_string()) return json["error"];
  } catch (const nlohmann::json::exception&) {
  }
  return reply.body;
}

template <typename T>
T field(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) {
    throw FarmClientError(std::string("farm measurement: missing field \"") + key + "\"");
  }
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw FarmClientError(std::string("farm measurement: field \"") + key + "\": " + e.what());
  }
}

}  // namespace

FarmEndpoint parse_farm_url(const std::string& url) {
  const std::string scheme = kScheme;
  if (url.rfind(scheme, 0) != 0) {
    throw FarmClientError("farm URL \"" + url + "\": expected http://HOST:PORT");
  }
  std::string rest = url.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    if (rest.substr(slash) != "/") {
      throw FarmClientError("farm URL \"" + url + "\": expected no path after HOST:PORT");
    }
    rest = rest.substr(0, slash);
  }
  FarmEndpoint endpoint;
  if (!rest.empty() && rest[0] == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string::npos) throw FarmClientError("farm URL \"" + url + "\": unclosed [");
    endpoint.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    endpoint.port = rest.empty() ? kDefaultUrlPort : rest.substr(1);
  } else {
    const std::size_t colon = rest.rfind(':');
    endpoint.host = rest.substr(0, colon);
    endpoint.port = colon == std::string::npos ? kDefaultUrlPort : rest.substr(colon + 1);
  }
  if (endpoint.host.empty() || endpoint.port.empty()) {
    throw FarmClientError("farm URL \"" + url + "\": expected http://HOST:PORT");
  }
  return endpoint;
}

FarmClient::FarmClient(const std::string& url, std::string token, std::chrono::milliseconds timeout)
    : url_(url), endpoint_(parse_farm_url(url)), token_(std::move(token)), timeout_(timeout) {
  if (token_.empty()) {
    if (const char* env = std::getenv(kTokenEnvironmentVariable); env != nullptr) token_ = env;
  }
}

HttpReply FarmClient::request(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& content_type) {
  const std::string what = "farm " + url_ + ": " + method + " " + target + ": ";
  asio::io_context context;
  beast::tcp_stream stream(context);
  tcp::resolver::results_type endpoints;
  try {
    endpoints = tcp::resolver(context).resolve(endpoint_.host, endpoint_.port);
  } catch (const boost::system::system_error& e) {
    throw FarmClientError(what + e.what());
  }
  http::request<http::string_body> request(http::string_to_verb(method), target, kHttpVersion);
  request.set(http::field::host, endpoint_.host);
  request.set(http::field::user_agent, "tinynas-farm-client");
  if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
  if (!body.empty()) request.set(http::field::content_type, content_type);
  request.body() = body;
  request.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  // Asynchronous operations run here to their end: the stream's expiry (the timeout) applies
  // to asynchronous operations only, and a farm that accepts and never answers must not hang
  // the caller.
  beast::error_code connect_error, write_error, read_error;
  stream.expires_after(timeout_);
  stream.async_connect(endpoints, [&](beast::error_code connected, const tcp::endpoint&) {
    if (connected) {
      connect_error = connected;
      return;
    }
    stream.expires_after(timeout_);
    http::async_write(stream, request, [&](beast::error_code written, std::size_t) {
      write_error = written;
      // A server that refuses a large body answers before reading all of it; its reply is
      // still worth reading even when the write did not finish.
      stream.expires_after(timeout_);
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read, std::size_t) { read_error = read; });
    });
  });
  context.run();
  if (connect_error) throw FarmClientError(what + connect_error.message());
  if (read_error) {
    throw FarmClientError(what + (write_error ? write_error.message() : read_error.message()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  return reply;
}

nlohmann::json FarmClient::get_json(const std::string& target) {
  const HttpReply reply = request("GET", target);
  if (reply.status != http_status::kOk) {
    throw FarmClientError("farm " + url_ + ": GET " + target + ": HTTP " +
                              std::to_string(reply.status) + ": " + error_message(reply),
                          reply.status);
  }
  try {
    return nlohmann::json::parse(reply.body);
  } catch (const nlohmann::json::exception& e) {
    throw FarmClientError("farm " + url_ + ": GET " + target + ": reply is not JSON: " + e.what());
  }
}

nlohmann::json FarmClient::status() { return get_json("/v1/status"); }
nlohmann::json FarmClient::boards() { return get_json("/v1/boards"); }

void check_farm_serves(const std::string& url, const std::string& kind, const std::string& token) {
  FarmClient client(url, token, kFarmCheckTimeout);
  nlohmann::json boards;
  try {
    boards = client.boards();
  } catch (const FarmClientError& e) {
    throw FarmClientError("farm " + url + " does not answer: " + e.what(), e.http_status());
  }
  std::set<std::string> kinds;
  const auto list = boards.find("boards");
  if (list != boards.end() && list->is_array()) {
    for (const nlohmann::json& board : *list) {
      if (board.is_object() && board.contains("kind") && board["kind"].is_string()) {
        kinds.insert(board["kind"].get<std::string>());
      }
    }
  }
  if (kinds.count(kind) == 0) {
    std::string known;
    for (const std::string& k : kinds) known += (known.empty() ? "" : ", ") + k;
    throw FarmClientError("farm " + url + " has no board of kind " + kind +
                          " (its kinds: " + (known.empty() ? "none" : known) + ")");
  }
}
nlohmann::json FarmClient::job(int64_t id) { return get_json("/v1/jobs/" + std::to_string(id)); }

nlohmann::json FarmClient::measurements(const std::string& model_sha256, const std::string& kind) {
  std::string target = "/v1/measurements?model=" + model_sha256;
  if (!kind.empty()) target += "&board=" + kind;
  return get_json(target);
}

nlohmann::json FarmClient::submit(const std::vector<uint8_t>& model, const std::string& kind,
                                  uint32_t runs) {
  const std::string target = "/v1/jobs?board=" + kind + "&runs=" + std::to_string(runs);
  const HttpReply reply =
      request("POST", target, std::string(model.begin(), model.end()), "application/octet-stream");
  if (reply.status != http_status::kAccepted) {
    throw FarmClientError("farm " + url_ + ": POST " + target + ": HTTP " +
                              std::to_string(reply.status) + ": " + error_message(reply),
                          reply.status);
  }
  return nlohmann::json::parse(reply.body);
}

nlohmann::json FarmClient::wait_for_job(int64_t id, std::chrono::milliseconds timeout,
                                        std::chrono::milliseconds poll_interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    nlohmann::json job = this->job(id);
    const std::string state = job.value("state", "");
    if (state == "done" || state == "failed") return job;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw FarmClientError("farm " + url_ + ": job " + std::to_string(id) + " still " + state +
                            " after " + std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

profiler::ProfileResult profile_result_from_json(const nlohmann::json& json) {
  profiler::ProfileResult r;
  r.board = field<std::string>(json, "board");
  r.firmware_version = field<std::string>(json, "firmware_version");
  r.core = field<std::string>(json, "core");
  r.clock_hz = field<uint32_t>(json, "clock_hz");
  r.kernel_path = field<std::string>(json, "kernel_path");
  r.timer = field<std::string>(json, "timer");
  r.port = field<std::string>(json, "port");
  r.model_bytes = field<uint32_t>(json, "model_bytes");
  r.model_crc32 = field<uint32_t>(json, "model_crc32");
  r.input = field<std::string>(json, "input");
  r.runs = field<uint32_t>(json, "runs");
  r.cycles = field<uint64_t>(json, "cycles");
  r.total_cycles = field<uint64_t>(json, "total_cycles");
  r.min_cycles = field<uint32_t>(json, "min_cycles");
  r.max_cycles = field<uint32_t>(json, "max_cycles");
  r.op_count = field<uint16_t>(json, "op_count");
  r.per_op_cycles = field<std::vector<uint32_t>>(json, "per_op_cycles");
  r.op_kinds = field<std::vector<std::string>>(json, "op_kinds");
  r.arena_bytes = field<uint32_t>(json, "arena_bytes");
  r.planned_arena_bytes = field<uint32_t>(json, "planned_arena_bytes");
  r.scratch_bytes = field<uint32_t>(json, "scratch_bytes");
  r.stack_bytes = field<uint32_t>(json, "stack_bytes");
  r.output_bytes = field<uint32_t>(json, "output_bytes");
  r.output_crc32 = field<uint32_t>(json, "output_crc32");
  if (json.contains("output_matches_host") && !json["output_matches_host"].is_null()) {
    r.host_compared = true;
    r.output_matches_host = field<bool>(json, "output_matches_host");
    r.host_output_crc32 = field<uint32_t>(json, "host_output_crc32");
    if (json.contains("first_mismatch")) r.first_mismatch = field<int64_t>(json, "first_mismatch");
  }
  return r;
}

profiler::ProfileResult profile_on_farm(const std::string& url, const std::string& kind,
                                        const std::vector<uint8_t>& model,
                                        const FarmProfileOptions& options) {
  FarmClient client(url, options.token);
  const nlohmann::json submitted = client.submit(model, kind, options.runs);
  const int64_t id = submitted.at("id").get<int64_t>();
  const nlohmann::json job = client.wait_for_job(id, options.timeout);
  if (job.value("state", "") != "done") {
    throw FarmClientError("farm " + url + ": job " + std::to_string(id) + " on " + kind +
                          " failed: " + job.value("error", std::string("(no reason given)")));
  }
  if (!job.contains("measurement")) {
    throw FarmClientError("farm " + url + ": job " + std::to_string(id) +
                          " is done but has no measurement");
  }
  return profile_result_from_json(job["measurement"].at("result"));
}

}  // namespace tinynas::farm
