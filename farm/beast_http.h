// What the farm's HTTP server and client share on the wire: the Boost.Beast names they are
// written with and the protocol version they speak. Included by their .cpp files only: the
// short names below are for them.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tinynas::farm {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

inline constexpr int kHttpVersion = 11;  // HTTP/1.1, as Beast counts it

}  // namespace tinynas::farm
