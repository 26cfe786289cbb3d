#include "farm/farm_api.h"

#include <cctype>
#include <map>

#include "farm/http_status.h"
#include "farm/status_page.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

using http_status::kAccepted;
using http_status::kBadRequest;
using http_status::kMethodNotAllowed;
using http_status::kNotFound;
using http_status::kOk;
using http_status::kUnauthorized;

constexpr int kRecentJobsOnStatusPage = 20;
constexpr int kHexBase = 16;
constexpr int kMaxIdDigits = 18;
constexpr char kJobsPrefix[] = "/v1/jobs/";

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one query component; throws std::invalid_argument on a bad escape.
std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) {
        throw std::invalid_argument("query: truncated %-escape in \"" + text + "\"");
      }
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) {
        throw std::invalid_argument("query: bad %-escape in \"" + text + "\"");
      }
      out.push_back(static_cast<char>(high * kHexBase + low));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

Target parse_target(const std::string& target) {
  Target parsed;
  const std::size_t question = target.find('?');
  parsed.path = target.substr(0, question);
  if (question == std::string::npos) return parsed;
  const std::string query = target.substr(question + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t equals = pair.find('=');
      const std::string key = percent_decode(pair.substr(0, equals));
      const std::string value =
          equals == std::string::npos ? std::string() : percent_decode(pair.substr(equals + 1));
      if (parsed.query.count(key)) {
        throw std::invalid_argument("query: parameter \"" + key + "\" given twice");
      }
      parsed.query[key] = value;
    }
    start = end + 1;
  }
  return parsed;
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Compares without an early exit so that the time taken does not reveal the common prefix.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference |= static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

ApiResponse json_response(int status, const nlohmann::json& json) {
  ApiResponse response;
  response.status = status;
  response.body = json.dump();
  return response;
}

nlohmann::json status_json(Farm& farm) {
  nlohmann::json json;
  json["boards"] = nlohmann::json::array();
  for (const BoardStatus& board : farm.boards()) json["boards"].push_back(to_json(board));
  json["queues"] = farm.queue_lengths();
  json["jobs"] = farm.store().job_counts();
  json["measurements"] = farm.store().measurement_count();
  return json;
}

ApiResponse post_job(Farm& farm, const Target& target, const std::string& body) {
  for (const auto& [key, value] : target.query) {
    if (key != "board" && key != "runs") {
      return error_response(kBadRequest, "query: unknown parameter \"" + key +
                                             "\" (expected board=KIND and optional runs=N)");
    }
  }
  const auto board = target.query.find("board");
  if (board == target.query.end() || board->second.empty()) {
    return error_response(kBadRequest, "query: board=KIND is required");
  }
  uint32_t runs = 1;
  if (const auto it = target.query.find("runs"); it != target.query.end()) {
    if (!all_digits(it->second) || it->second.size() > static_cast<std::size_t>(kMaxIdDigits)) {
      return error_response(
          kBadRequest, "query: runs: expected a positive integer, found \"" + it->second + "\"");
    }
    const unsigned long long value = std::stoull(it->second);
    if (value > UINT32_MAX) {
      return error_response(kBadRequest, "query: runs: " + it->second + " is too large");
    }
    runs = static_cast<uint32_t>(value);
  }
  const std::vector<uint8_t> model(body.begin(), body.end());
  try {
    const SubmitResult result = farm.submit(model, board->second, runs);
    nlohmann::json json;
    json["id"] = result.id;
    json["model"] = result.model_sha256;
    json["from_store"] = result.from_store;
    json["state"] = result.from_store ? "done" : "queued";
    return json_response(kAccepted, json);
  } catch (const SubmitError& e) {
    return error_response(http_status_of(e.refusal()), e.what());
  }
}

ApiResponse get_measurements(Farm& farm, const Target& target) {
  for (const auto& [key, value] : target.query) {
    if (key != "model" && key != "board") {
      return error_response(kBadRequest, "query: unknown parameter \"" + key +
                                             "\" (expected model=SHA256 and optional board=KIND)");
    }
  }
  const auto model = target.query.find("model");
  if (model == target.query.end() || !text::is_sha256_hex(model->second)) {
    return error_response(kBadRequest,
                          "query: model: expected the SHA-256 of the model file as 64 lowercase "
                          "hex digits");
  }
  const auto board = target.query.find("board");
  const std::string kind = board == target.query.end() ? std::string() : board->second;
  nlohmann::json json;
  json["measurements"] = nlohmann::json::array();
  for (const MeasurementRecord& m : farm.store().measurements(model->second, kind)) {
    json["measurements"].push_back(to_json(m));
  }
  return json_response(kOk, json);
}

ApiResponse route(Farm& farm, const ApiRequest& request, const Target& target) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  const auto wrong_method = [&](const char* allowed) {
    ApiResponse response = error_response(
        kMethodNotAllowed, request.method + " " + target.path + ": allowed: " + allowed);
    response.headers.emplace_back("Allow", allowed);
    return response;
  };
  if (target.path == "/") {
    if (!get) return wrong_method("GET");
    ApiResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body =
        render_status_page(farm.boards(), farm.queue_lengths(), farm.store().job_counts(),
                           farm.store().recent_jobs(kRecentJobsOnStatusPage));
    return response;
  }
  if (target.path == "/v1/status") {
    if (!get) return wrong_method("GET");
    return json_response(kOk, status_json(farm));
  }
  if (target.path == "/v1/boards") {
    if (!get) return wrong_method("GET");
    nlohmann::json json;
    json["boards"] = nlohmann::json::array();
    for (const BoardStatus& board : farm.boards()) json["boards"].push_back(to_json(board));
    return json_response(kOk, json);
  }
  if (target.path == "/v1/jobs") {
    if (request.method != "POST") return wrong_method("POST");
    return post_job(farm, target, request.body);
  }
  if (target.path.rfind(kJobsPrefix, 0) == 0) {
    if (!get) return wrong_method("GET");
    const std::string id = target.path.substr(sizeof(kJobsPrefix) - 1);
    if (!all_digits(id) || id.size() > static_cast<std::size_t>(kMaxIdDigits)) {
      return error_response(kBadRequest,
                            "job id: expected a positive integer, found \"" + id + "\"");
    }
    const auto job = farm.job_json(std::stoll(id));
    if (!job) return error_response(kNotFound, "no job " + id);
    return json_response(kOk, *job);
  }
  if (target.path == "/v1/measurements") {
    if (!get) return wrong_method("GET");
    return get_measurements(farm, target);
  }
  return error_response(kNotFound, "no such resource: " + target.path +
                                       " (see /v1/status, /v1/boards, /v1/jobs, "
                                       "/v1/measurements)");
}

}  // namespace

int http_status_of(SubmitRefusal refusal) {
  switch (refusal) {
    case SubmitRefusal::kInvalidRequest:
      return http_status::kBadRequest;
    case SubmitRefusal::kUnknownBoardKind:
      return http_status::kNotFound;
    case SubmitRefusal::kInvalidModel:
      return http_status::kUnprocessableContent;
    case SubmitRefusal::kQueueFull:
    case SubmitRefusal::kShuttingDown:
      return http_status::kServiceUnavailable;
  }
  return http_status::kInternalServerError;
}

ApiResponse error_response(int status, const std::string& message) {
  nlohmann::json json;
  json["error"] = message;
  return json_response(status, json);
}

std::optional<ApiResponse> refuse_unauthorized(const std::string& authorization,
                                               const std::string& token) {
  if (token.empty()) return std::nullopt;
  // RFC 7235: the scheme name is case-insensitive; the token is compared in constant time.
  constexpr char kScheme[] = "bearer ";
  constexpr std::size_t kSchemeLength = sizeof(kScheme) - 1;
  bool scheme = authorization.size() >= kSchemeLength;
  for (std::size_t i = 0; scheme && i < kSchemeLength; ++i) {
    scheme = std::tolower(static_cast<unsigned char>(authorization[i])) == kScheme[i];
  }
  const std::string credentials = scheme ? authorization.substr(kSchemeLength) : std::string();
  if (scheme && constant_time_equal(credentials, token)) return std::nullopt;
  ApiResponse response = error_response(
      kUnauthorized, authorization.empty() ? "this farm requires a bearer token (Authorization: "
                                             "Bearer ...)"
                                           : "wrong bearer token");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tinynas farm\"");
  return response;
}

ApiResponse handle_api_request(Farm& farm, const ApiRequest& request, const std::string& token) {
  if (auto refusal = refuse_unauthorized(request.authorization, token)) return *refusal;
  Target target;
  try {
    target = parse_target(request.target);
  } catch (const std::invalid_argument& e) {
    return error_response(kBadRequest, e.what());
  }
  return route(farm, request, target);
}

}  // namespace tinynas::farm
