#include "firmware/server/replies.h"

namespace tinynas::firmware {

namespace p = protocol;

size_t empty_ok_reply(const Request& request, uint8_t* reply) {
  return p::build_empty_reply(request.header.command, request.header.sequence, reply,
                              p::kMaxPayload);
}

size_t error_reply(const Request& request, p::ReplyStatus status, const p::ErrorReply& body,
                   uint8_t* reply) {
  return p::build_reply(request.header.command, request.header.sequence, status, body, reply,
                        p::kMaxPayload);
}

size_t bad_length_reply(const Request& request, uint8_t* reply) {
  return error_reply(request, p::ReplyStatus::kBadLength,
                     expected_found(0, static_cast<uint32_t>(request.body_size)), reply);
}

p::ErrorReply expected_found(uint32_t expected, uint32_t found) {
  p::ErrorReply body;
  body.expected = expected;
  body.found = found;
  return body;
}

}  // namespace tinynas::firmware
