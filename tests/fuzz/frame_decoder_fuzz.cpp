// libFuzzer target: arbitrary bytes into the streaming frame decoder, and every verified frame
// through the request-header and body decoders the runner uses. Must never crash, read out of
// bounds or yield a frame whose size is outside [request header, kMaxPayload].
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"
#include "firmware/protocol/messages.h"

namespace protocol = tinynas::firmware::protocol;

namespace {

void decode_every_body(const uint8_t* payload, size_t size) {
  protocol::ByteReader in(payload, size);
  protocol::RequestHeader header;
  if (!protocol::decode(in, header)) abort();  // the decoder guarantees >= header bytes
  const uint8_t* body = payload + protocol::kRequestHeaderSize;
  const size_t body_size = size - protocol::kRequestHeaderSize;
  auto try_decode = [&](auto message) {
    protocol::ByteReader reader(body, body_size);
    protocol::decode(reader, message);
  };
  try_decode(protocol::LoadBeginRequest{});
  try_decode(protocol::LoadChunkRequest{});
  try_decode(protocol::LoadEndRequest{});
  try_decode(protocol::InputRequest{});
  try_decode(protocol::RunRequest{});
  try_decode(protocol::PerOpRequest{});
  try_decode(protocol::OutputRequest{});
  try_decode(protocol::HelloReply{});
  try_decode(protocol::RunReply{});
  try_decode(protocol::PerOpReply{});
  try_decode(protocol::OutputReply{});
  try_decode(protocol::ErrorReply{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static protocol::FrameDecoder decoder;
  decoder.reset();
  for (size_t i = 0; i < size; ++i) {
    if (decoder.push(data[i]) != protocol::DecodeEvent::kFrame) continue;
    const size_t payload_size = decoder.payload_size();
    if (payload_size < protocol::kRequestHeaderSize || payload_size > protocol::kMaxPayload) {
      abort();
    }
    decode_every_body(decoder.payload(), payload_size);
  }
  // Round trip: the input (truncated to a payload) must come back unchanged.
  const size_t payload_size = size < protocol::kMaxPayload ? size : protocol::kMaxPayload;
  if (payload_size < protocol::kRequestHeaderSize) return 0;
  static uint8_t frame[protocol::kMaxEncodedFrame];
  const size_t frame_size = protocol::encode_frame(data, payload_size, frame, sizeof(frame));
  if (frame_size == 0) abort();
  decoder.reset();
  size_t frames = 0;
  for (size_t i = 0; i < frame_size; ++i) {
    if (decoder.push(frame[i]) == protocol::DecodeEvent::kFrame) {
      ++frames;
      if (decoder.payload_size() != payload_size) abort();
      for (size_t k = 0; k < payload_size; ++k) {
        if (decoder.payload()[k] != data[k]) abort();
      }
    }
  }
  if (frames != 1) abort();
  return 0;
}
