// The exported application: the generated model (model.h / model.cpp) behind a serial line.
// It speaks the inference subset of the runner protocol (firmware/protocol/): HELLO, INPUT
// (int8 sample bytes, chunked), RUN (one inference, cycles measured), OUTPUT (the class
// scores) and RESET. The model is built in, so LOAD_* and PER_OP are answered with
// kUnknownCommand. Any runner-protocol host (tinynas export --verify, profiler::BoardClient)
// can drive it; a person can replace this file with their own application and keep model.*.
#include <string.h>

#include "engine/runtime/crc32.h"
#include "engine/runtime/input_pattern.h"
#include "engine/runtime/model_format.h"
#include "firmware/board/board.h"
#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"
#include "firmware/protocol/messages.h"
#include "model.h"

#ifndef TINYNAS_EXPORT_VERSION
#error "TINYNAS_EXPORT_VERSION must be defined by the project's CMakeLists.txt"
#endif

namespace tinynas::firmware {
namespace {

namespace p = protocol;

struct AppState {
  p::FrameDecoder decoder;
  uint8_t reply_payload[p::kMaxPayload];
  uint8_t reply_frame[p::kMaxEncodedFrame];
  int init_status = -1;  // model_init() result; the model must initialise before anything runs
  bool has_run = false;
};
AppState g_app;

p::ErrorReply expected_found(uint32_t expected, uint32_t found) {
  p::ErrorReply body;
  body.expected = expected;
  body.found = found;
  return body;
}

size_t error(const p::RequestHeader& h, p::ReplyStatus status, const p::ErrorReply& body) {
  return p::build_reply(h.command, h.sequence, status, body, g_app.reply_payload, p::kMaxPayload);
}

size_t bad_length(const p::RequestHeader& h, size_t body_size) {
  return error(h, p::ReplyStatus::kBadLength, expected_found(0, static_cast<uint32_t>(body_size)));
}

// A model that failed to initialise (cannot happen for an exported, validated model unless the
// image is corrupt) makes every model request fail with the runtime's status.
size_t require_model(const p::RequestHeader& h) {
  if (g_app.init_status == 0) return 0;
  p::ErrorReply body;
  body.runtime_status = static_cast<uint8_t>(g_app.init_status);
  return error(h, p::ReplyStatus::kInvalidModel, body);
}

size_t hello(const p::RequestHeader& h, p::ByteReader& in) {
  if (in.remaining() != 0) return bad_length(h, in.remaining());
  const BoardFacts& facts = board_facts();
  p::HelloReply reply;
  reply.protocol_version = p::kProtocolVersion;
  reply.format_version = runtime::kFormatVersion;
  reply.firmware_version = p::make_text(TINYNAS_EXPORT_VERSION);
  reply.board = p::make_text(facts.kind);
  reply.core = p::make_text(facts.core);
  reply.clock_hz = facts.clock_hz;
  reply.sram_bytes = facts.sram_bytes;
  reply.flash_bytes = facts.flash_bytes;
  reply.model_region_bytes = 0;  // nothing can be uploaded: the model is built in
  reply.arena_capacity_bytes = MODEL_ARENA_BYTES;
  reply.scratch_capacity_bytes = MODEL_SCRATCH_BYTES;
  reply.max_chunk = p::kMaxChunk;
  reply.timer = facts.timer;
  reply.kernel_path = facts.kernel_path;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, reply, g_app.reply_payload,
                        p::kMaxPayload);
}

size_t input(const p::RequestHeader& h, p::ByteReader& in) {
  p::InputRequest request;
  if (!p::decode(in, request)) return bad_length(h, in.remaining());
  if (const size_t refused = require_model(h)) return refused;
  const uint64_t end = static_cast<uint64_t>(request.offset) + request.size;
  if (end > MODEL_INPUT_BYTES) {
    return error(h, p::ReplyStatus::kOutOfRange,
                 expected_found(MODEL_INPUT_BYTES, static_cast<uint32_t>(end)));
  }
  // Straight into the input tensor in the arena: no staging copy, so static RAM stays exactly
  // the planned arena + scratch. The host uploads a whole sample before every RUN.
  memcpy(model_input() + request.offset, request.data, request.size);
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk,
                        p::InputReply{MODEL_INPUT_BYTES}, g_app.reply_payload, p::kMaxPayload);
}

size_t run(const p::RequestHeader& h, p::ByteReader& in) {
  p::RunRequest request;
  if (!p::decode(in, request)) return bad_length(h, in.remaining());
  if (const size_t refused = require_model(h)) return refused;
  const uint8_t mode = static_cast<uint8_t>(request.input_mode);
  if (mode >= p::kInputModeCount) {
    return error(h, p::ReplyStatus::kBadArgument, expected_found(p::kInputModeCount, mode));
  }
  // An in-place first op may overwrite the uploaded input: it can be run once only.
  const uint32_t max_iterations = request.input_mode == p::InputMode::kUploaded ? 1u : 0xFFFFFFFFu;
  if (request.iterations == 0 || request.iterations > max_iterations) {
    return error(h, p::ReplyStatus::kBadArgument,
                 expected_found(max_iterations, request.iterations));
  }
  p::RunReply reply;
  reply.min_cycles = 0xFFFFFFFFu;
  stack_paint();
  for (uint32_t i = 0; i < request.iterations; ++i) {
    if (request.input_mode == p::InputMode::kZeros) {
      memset(model_input(), 0, MODEL_INPUT_BYTES);
    } else if (request.input_mode == p::InputMode::kPseudoRandom) {
      runtime::fill_pseudo_random_s8(model_input(), MODEL_INPUT_BYTES, request.seed);
    }
    cycle_counter_restart();
    const int status = model_invoke();
    const uint64_t cycles = cycle_counter_read();
    if (status != 0) {
      g_app.has_run = false;
      p::ErrorReply body;
      body.runtime_status = static_cast<uint8_t>(status);
      return error(h, p::ReplyStatus::kRunFailed, body);
    }
    const uint32_t cycles32 = static_cast<uint32_t>(cycles);
    reply.total_cycles += cycles;
    reply.last_cycles = cycles32;
    if (cycles32 < reply.min_cycles) reply.min_cycles = cycles32;
    if (cycles32 > reply.max_cycles) reply.max_cycles = cycles32;
  }
  g_app.has_run = true;
  reply.iterations = request.iterations;
  reply.op_count = MODEL_OP_COUNT;
  reply.arena_bytes_used = 0;  // not measured here (the runner paints its arena; see README)
  reply.stack_bytes_used = stack_bytes_used();
  reply.output_crc32 =
      runtime::crc32(reinterpret_cast<const uint8_t*>(model_output()), MODEL_OUTPUT_BYTES);
  reply.output_bytes = MODEL_OUTPUT_BYTES;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, reply, g_app.reply_payload,
                        p::kMaxPayload);
}

size_t output(const p::RequestHeader& h, p::ByteReader& in) {
  p::OutputRequest request;
  if (!p::decode(in, request)) return bad_length(h, in.remaining());
  if (const size_t refused = require_model(h)) return refused;
  if (!g_app.has_run) return error(h, p::ReplyStatus::kNoRunYet, p::ErrorReply{});
  if (request.length == 0 || request.length > p::kMaxOutputChunk) {
    return error(h, p::ReplyStatus::kBadArgument,
                 expected_found(p::kMaxOutputChunk, request.length));
  }
  const uint64_t end = static_cast<uint64_t>(request.offset) + request.length;
  if (end > MODEL_OUTPUT_BYTES) {
    return error(h, p::ReplyStatus::kOutOfRange,
                 expected_found(MODEL_OUTPUT_BYTES, static_cast<uint32_t>(end)));
  }
  p::OutputReply body;
  body.offset = request.offset;
  body.data = reinterpret_cast<const uint8_t*>(model_output()) + request.offset;
  body.size = request.length;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, body, g_app.reply_payload,
                        p::kMaxPayload);
}

size_t reset(const p::RequestHeader& h, p::ByteReader& in) {
  if (in.remaining() != 0) return bad_length(h, in.remaining());
  g_app.has_run = false;
  return p::build_empty_reply(h.command, h.sequence, g_app.reply_payload, p::kMaxPayload);
}

size_t handle_request(const uint8_t* payload, size_t size) {
  p::ByteReader in(payload, size);
  p::RequestHeader header;
  if (!p::decode(in, header)) {
    p::ErrorReply body;
    body.detail = static_cast<uint8_t>(p::FrameError::kTooShort);
    return error(p::RequestHeader{p::kUnknownCommandByte, p::kUntrustedSequence},
                 p::ReplyStatus::kBadFrame, body);
  }
  switch (static_cast<p::Command>(header.command)) {
    case p::Command::kHello:
      return hello(header, in);
    case p::Command::kInput:
      return input(header, in);
    case p::Command::kRun:
      return run(header, in);
    case p::Command::kOutput:
      return output(header, in);
    case p::Command::kReset:
      return reset(header, in);
    default:
      break;
  }
  return error(header, p::ReplyStatus::kUnknownCommand, expected_found(0, header.command));
}

void on_byte(uint8_t byte) {
  size_t reply_size = 0;
  switch (g_app.decoder.push(byte)) {
    case p::DecodeEvent::kNone:
      return;
    case p::DecodeEvent::kError: {
      p::ErrorReply body;
      body.detail = static_cast<uint8_t>(g_app.decoder.error());
      reply_size = error(p::RequestHeader{p::kUnknownCommandByte, p::kUntrustedSequence},
                         p::ReplyStatus::kBadFrame, body);
      break;
    }
    case p::DecodeEvent::kFrame:
      reply_size = handle_request(g_app.decoder.payload(), g_app.decoder.payload_size());
      break;
  }
  const size_t frame_size = p::encode_frame(g_app.reply_payload, reply_size, g_app.reply_frame,
                                            sizeof(g_app.reply_frame));
  if (frame_size != 0) serial_write(g_app.reply_frame, frame_size);
}

}  // namespace
}  // namespace tinynas::firmware

extern "C" void tinynas_firmware_main() {
  using namespace tinynas::firmware;
  board_init();
  g_app.init_status = model_init();
  for (;;) {
    uint8_t byte = 0;
    if (serial_try_read(&byte)) on_byte(byte);
  }
}
