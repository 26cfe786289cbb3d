// A request as the protocol server hands it to a handler (header decoded, body still encoded)
// and the replies a handler builds for it: ok with a body, or a non-ok status with the common
// error body (protocol/messages.h). Used by the server and by the requests a build adds to it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/protocol/messages.h"
#include "firmware/protocol/protocol.h"

namespace tinynas::firmware {

struct Request {
  protocol::RequestHeader header;
  const uint8_t* body = nullptr;
  size_t body_size = 0;

  // False when the body is too short or has bytes left over (reply with bad_length_reply).
  template <typename Body>
  bool decode(Body& message) const {
    protocol::ByteReader in(body, body_size);
    return protocol::decode(in, message);
  }
};

// Every reply goes into a payload buffer of protocol::kMaxPayload bytes; each builder returns
// the reply payload size.
template <typename Body>
size_t ok_reply(const Request& request, const Body& body, uint8_t* reply) {
  return protocol::build_reply(request.header.command, request.header.sequence,
                               protocol::ReplyStatus::kOk, body, reply, protocol::kMaxPayload);
}
size_t empty_ok_reply(const Request& request, uint8_t* reply);
size_t error_reply(const Request& request, protocol::ReplyStatus status,
                   const protocol::ErrorReply& body, uint8_t* reply);
// kBadLength: expected 0 (the decoder knows the valid sizes), found = the body size.
size_t bad_length_reply(const Request& request, uint8_t* reply);

protocol::ErrorReply expected_found(uint32_t expected, uint32_t found);

}  // namespace tinynas::firmware
