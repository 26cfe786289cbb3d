#include "firmware/server/protocol_server.h"

#include <string.h>

#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"
#include "firmware/protocol/frame_encoder.h"
#include "firmware/protocol/input_pattern.h"

namespace tinynas::firmware {

namespace p = protocol;

namespace {

// Arena use is measured by painting: a byte still holding the paint value was never written.
// A byte written with exactly the paint value would be missed, so the measurement runs twice
// with two different paints (the model is deterministic, so every written byte differs from at
// least one of them) and the larger high-water mark is reported.
constexpr uint8_t kArenaPaints[2] = {0x55, 0xAA};
constexpr uint32_t kPaintedIterations = 2;

}  // namespace

ProtocolServer::ProtocolServer(const ServerIdentity& identity, const ServerPlatform& platform,
                               const ModelHooks& hooks)
    : identity_(identity), platform_(platform), hooks_(hooks) {}

void ProtocolServer::on_byte(uint8_t byte) {
  size_t reply_size = 0;
  switch (decoder_.push(byte)) {
    case p::DecodeEvent::kNone:
      return;
    case p::DecodeEvent::kError:
      reply_size = bad_frame_reply(decoder_.error(), reply_payload_);
      break;
    case p::DecodeEvent::kFrame:
      reply_size = handle_request(decoder_.payload(), decoder_.payload_size(), reply_payload_);
      break;
  }
  const size_t frame_size =
      p::encode_frame(reply_payload_, reply_size, reply_frame_, sizeof(reply_frame_));
  if (frame_size != 0) platform_.write(reply_frame_, frame_size);
  if (pending_baud_ != 0) {
    platform_.serial_set_baud(pending_baud_);
    pending_baud_ = 0;
  }
}

size_t ProtocolServer::bad_frame_reply(p::FrameError frame_error, uint8_t* reply) {
  p::ErrorReply body;
  body.detail = static_cast<uint8_t>(frame_error);
  const Request untrusted{p::RequestHeader{p::kUnknownCommandByte, p::kUntrustedSequence}};
  return error_reply(untrusted, p::ReplyStatus::kBadFrame, body, reply);
}

size_t ProtocolServer::handle_request(const uint8_t* payload, size_t size, uint8_t* reply) {
  p::ByteReader in(payload, size);
  Request request;
  if (!p::decode(in, request.header)) return bad_frame_reply(p::FrameError::kTooShort, reply);
  request.body = payload + (size - in.remaining());
  request.body_size = in.remaining();
  switch (static_cast<p::Command>(request.header.command)) {
    case p::Command::kHello:
      return hello(request, reply);
    case p::Command::kInput:
      return input(request, reply);
    case p::Command::kRun:
      return run(request, reply);
    case p::Command::kOutput:
      return output(request, reply);
    case p::Command::kReset:
      return reset(request, reply);
    case p::Command::kSetBaud:
      if (platform_.serial_set_baud == nullptr) break;
      return set_baud(request, reply);
    default:
      break;
  }
  if (hooks_.extra_request != nullptr) {
    if (const size_t size_of_reply = hooks_.extra_request(hooks_.context, request, reply)) {
      return size_of_reply;
    }
  }
  return error_reply(request, p::ReplyStatus::kUnknownCommand,
                     expected_found(0, request.header.command), reply);
}

void ProtocolServer::serve(const ServedModel& model) {
  model_ = model;
  refusal_ = p::ReplyStatus::kOk;
  refusal_detail_ = p::ErrorReply{};
  input_uploaded_ = false;
  has_run_ = false;
}

void ProtocolServer::withdraw(p::ReplyStatus status, const p::ErrorReply& detail) {
  model_ = ServedModel{};
  refusal_ = status;
  refusal_detail_ = detail;
  input_uploaded_ = false;
  has_run_ = false;
}

size_t ProtocolServer::require_model(const Request& request, uint8_t* reply) const {
  if (refusal_ == p::ReplyStatus::kOk) return 0;
  return error_reply(request, refusal_, refusal_detail_, reply);
}

size_t ProtocolServer::hello(const Request& request, uint8_t* reply) const {
  if (request.body_size != 0) return bad_length_reply(request, reply);
  const BoardFacts& board = identity_.board;
  p::HelloReply hello;
  hello.protocol_version = p::kProtocolVersion;
  hello.format_version = runtime::kFormatVersion;
  hello.firmware_version = p::make_text(identity_.firmware_version);
  hello.board = p::make_text(board.kind);
  hello.core = p::make_text(board.core);
  hello.clock_hz = board.clock_hz;
  hello.sram_bytes = board.sram_bytes;
  hello.flash_bytes = board.flash_bytes;
  hello.model_region_bytes = identity_.model_region_bytes;
  hello.arena_capacity_bytes = identity_.arena_capacity_bytes;
  hello.scratch_capacity_bytes = identity_.scratch_capacity_bytes;
  hello.max_chunk = p::kMaxChunk;
  hello.timer = board.timer;
  hello.kernel_path = board.kernel_path;
  hello.model_region_address = identity_.model_region_address;
  return ok_reply(request, hello, reply);
}

size_t ProtocolServer::set_baud(const Request& request, uint8_t* reply) {
  p::SetBaudRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (body.baud == 0 || platform_.serial_baud_supported == nullptr ||
      !platform_.serial_baud_supported(body.baud)) {
    return error_reply(request, p::ReplyStatus::kBadArgument, expected_found(0, body.baud), reply);
  }
  pending_baud_ = body.baud;
  return ok_reply(request, p::SetBaudReply{body.baud}, reply);
}

size_t ProtocolServer::input(const Request& request, uint8_t* reply) {
  p::InputRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = require_model(request, reply)) return refused;
  const uint64_t end = static_cast<uint64_t>(body.offset) + body.size;
  if (end > model_.input_bytes) {
    return error_reply(request, p::ReplyStatus::kOutOfRange,
                       expected_found(model_.input_bytes, static_cast<uint32_t>(end)), reply);
  }
  uint8_t* destination = model_.input_staging != nullptr ? model_.input_staging : model_.input;
  memcpy(destination + body.offset, body.data, body.size);
  input_uploaded_ = true;
  return ok_reply(request, p::InputReply{model_.input_bytes}, reply);
}

void ProtocolServer::fill_input(p::InputMode mode, uint32_t seed) {
  switch (mode) {
    case p::InputMode::kZeros:
      memset(model_.input, 0, model_.input_bytes);
      break;
    case p::InputMode::kPseudoRandom:
      p::fill_pseudo_random(model_.input, model_.input_bytes, seed);
      break;
    case p::InputMode::kUploaded:
      if (model_.input_staging != nullptr) {
        memcpy(model_.input, model_.input_staging, model_.input_bytes);
      }
      break;
  }
}

uint32_t painted_high_water(const uint8_t* arena, uint32_t size, uint8_t paint) {
  const uint32_t painted_word = 0x01010101u * paint;
  uint32_t end = size;
  while (end >= sizeof(uint32_t) && end % sizeof(uint32_t) == 0) {
    uint32_t word;
    memcpy(&word, arena + end - sizeof(uint32_t), sizeof(word));
    if (word != painted_word) break;
    end -= sizeof(uint32_t);
  }
  while (end > 0 && arena[end - 1] == paint) --end;
  return end;
}

size_t ProtocolServer::run(const Request& request, uint8_t* reply) {
  p::RunRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = require_model(request, reply)) return refused;
  if (body.iterations == 0) {
    return error_reply(request, p::ReplyStatus::kBadArgument, expected_found(1, 0), reply);
  }
  const uint8_t mode = static_cast<uint8_t>(body.input_mode);
  if (mode >= p::kInputModeCount) {
    return error_reply(request, p::ReplyStatus::kBadArgument,
                       expected_found(p::kInputModeCount - 1, mode), reply);
  }
  if (body.input_mode == p::InputMode::kUploaded) {
    if (model_.input_staging == nullptr && body.iterations > 1) {
      return error_reply(request, p::ReplyStatus::kBadArgument, expected_found(1, body.iterations),
                         reply);
    }
    if (model_.input_staging != nullptr && !input_uploaded_) {
      p::ErrorReply detail = expected_found(model_.input_bytes, 0);
      detail.detail = mode;
      return error_reply(request, p::ReplyStatus::kBadArgument, detail, reply);
    }
  }

  p::RunReply result;
  result.min_cycles = UINT32_MAX;
  platform_.stack_paint();
  // Painted passes: the first kPaintedIterations timed iterations, plus an untimed one when
  // fewer were requested. Painting happens outside the timed region.
  const uint32_t painted_passes = model_.arena != nullptr ? kPaintedIterations : 0;
  const uint32_t passes = body.iterations >= painted_passes ? body.iterations : painted_passes;
  uint32_t arena_used = 0;
  for (uint32_t pass = 0; pass < passes; ++pass) {
    const bool painted = pass < painted_passes;
    if (painted) memset(model_.arena, kArenaPaints[pass], model_.arena_bytes);
    fill_input(body.input_mode, body.seed);
    platform_.cycle_counter_restart();
    const int status = hooks_.invoke(hooks_.context);
    const uint64_t cycles = platform_.cycle_counter_read();
    if (status != 0) {
      has_run_ = false;
      p::ErrorReply detail;
      detail.runtime_status = static_cast<uint8_t>(status);
      return error_reply(request, p::ReplyStatus::kRunFailed, detail, reply);
    }
    if (painted) {
      const uint32_t used =
          painted_high_water(model_.arena, model_.arena_bytes, kArenaPaints[pass]);
      if (used > arena_used) arena_used = used;
    }
    if (pass >= body.iterations) continue;  // the untimed extra painted pass
    const uint32_t cycles32 = cycles > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(cycles);
    result.total_cycles += cycles;
    result.last_cycles = cycles32;
    if (cycles32 < result.min_cycles) result.min_cycles = cycles32;
    if (cycles32 > result.max_cycles) result.max_cycles = cycles32;
  }
  // The extra pass (if any) ran last; its per-op cycles and output equal the timed ones since
  // the model, input and code path are identical.
  has_run_ = true;
  result.iterations = body.iterations;
  result.op_count = model_.op_count;
  result.arena_bytes_used = arena_used;
  result.stack_bytes_used = platform_.stack_bytes_used();
  result.output_crc32 = runtime::crc32(model_.output, model_.output_bytes);
  result.output_bytes = model_.output_bytes;
  return ok_reply(request, result, reply);
}

size_t ProtocolServer::output(const Request& request, uint8_t* reply) const {
  p::OutputRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = require_model(request, reply)) return refused;
  if (!has_run_) return error_reply(request, p::ReplyStatus::kNoRunYet, p::ErrorReply{}, reply);
  if (body.length == 0 || body.length > p::kMaxOutputChunk) {
    return error_reply(request, p::ReplyStatus::kBadArgument,
                       expected_found(p::kMaxOutputChunk, body.length), reply);
  }
  const uint64_t end = static_cast<uint64_t>(body.offset) + body.length;
  if (end > model_.output_bytes) {
    return error_reply(request, p::ReplyStatus::kOutOfRange,
                       expected_found(model_.output_bytes, static_cast<uint32_t>(end)), reply);
  }
  p::OutputReply chunk;
  chunk.offset = body.offset;
  chunk.data = model_.output + body.offset;
  chunk.size = body.length;
  return ok_reply(request, chunk, reply);
}

size_t ProtocolServer::reset(const Request& request, uint8_t* reply) {
  if (request.body_size != 0) return bad_length_reply(request, reply);
  const size_t size = empty_ok_reply(request, reply);
  input_uploaded_ = false;
  has_run_ = false;
  decoder_.reset();
  if (hooks_.reset != nullptr) hooks_.reset(hooks_.context);
  return size;
}

}  // namespace tinynas::firmware
