// The HTTP status codes the farm's API, server and client answer and expect (RFC 9110).
#pragma once

namespace tinynas::farm::http_status {

inline constexpr int kOk = 200;
inline constexpr int kAccepted = 202;
inline constexpr int kBadRequest = 400;
inline constexpr int kUnauthorized = 401;
inline constexpr int kNotFound = 404;
inline constexpr int kMethodNotAllowed = 405;
inline constexpr int kRequestTimeout = 408;
inline constexpr int kPayloadTooLarge = 413;
inline constexpr int kUnprocessableContent = 422;
inline constexpr int kInternalServerError = 500;
inline constexpr int kServiceUnavailable = 503;

}  // namespace tinynas::farm::http_status
