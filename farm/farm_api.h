// The farm's HTTP/JSON API as a function from request to response, independent of the socket
// code (farm_server.h), so routes, status codes and messages are testable without a network.
//
//   GET  /                                 status page (HTML)
//   GET  /v1/status                        boards, queues, job counts (for `tinynas farm status`)
//   GET  /v1/boards                        kind, state, jobs done, last error per board
//   POST /v1/jobs?board=KIND&runs=N        body: the raw .tnm; answers {"id": ...} at once
//   GET  /v1/jobs/{id}                     {"state": queued|running|done|failed, ...}
//   GET  /v1/measurements?model=SHA256[&board=KIND]
//
// Errors are {"error": "<what was expected, what was found>"} with a 4xx/5xx status.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "farm/farm.h"
#include "farm/http_status.h"

namespace tinynas::farm {

struct ApiRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, "/v1/jobs?board=x&runs=2"
  std::string authorization;  // the Authorization header, empty when absent
  std::string body;
};

struct ApiResponse {
  int status = http_status::kOk;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// The 401 answer when `token` is set and the Authorization header does not carry it as a bearer
// token (the scheme in any case); nullopt when the request may go on. The server asks this on
// the headers alone, before it reads a body.
std::optional<ApiResponse> refuse_unauthorized(const std::string& authorization,
                                               const std::string& token);

// `token`: the bearer token every request must carry; empty for none.
ApiResponse handle_api_request(Farm& farm, const ApiRequest& request, const std::string& token);

// {"error": message} with `status`.
ApiResponse error_response(int status, const std::string& message);

// The status a refused submission is answered with: 400 invalid request, 404 unknown board
// kind, 422 invalid model, 503 queue full or shutting down.
int http_status_of(SubmitRefusal refusal);

}  // namespace tinynas::farm
