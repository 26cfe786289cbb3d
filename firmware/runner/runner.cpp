#include "firmware/runner/runner.h"

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
constexpr uint32_t kInputAlignment = 16;

uint32_t align_up(uint32_t value, uint32_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

p::ErrorReply expected_found(uint32_t expected, uint32_t found) {
  p::ErrorReply body;
  body.expected = expected;
  body.found = found;
  return body;
}

}  // namespace

Runner::Runner(const BoardFacts& facts, const RunnerMemory& memory, const RunnerPlatform& platform,
               const char* firmware_version)
    : facts_(facts), memory_(memory), platform_(platform), firmware_version_(firmware_version) {}

void Runner::on_byte(uint8_t byte) {
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
}

size_t Runner::bad_frame_reply(p::FrameError frame_error, uint8_t* reply) {
  p::ErrorReply body;
  body.detail = static_cast<uint8_t>(frame_error);
  const p::RequestHeader untrusted{p::kUnknownCommandByte, p::kUntrustedSequence};
  return error(untrusted, p::ReplyStatus::kBadFrame, body, reply);
}

size_t Runner::handle_request(const uint8_t* payload, size_t size, uint8_t* reply) {
  p::ByteReader in(payload, size);
  p::RequestHeader header;
  if (!p::decode(in, header)) return bad_frame_reply(p::FrameError::kTooShort, reply);
  request_body_size_ = in.remaining();
  switch (static_cast<p::Command>(header.command)) {
    case p::Command::kHello:
      return hello(header, in, reply);
    case p::Command::kLoadBegin:
      return load_begin(header, in, reply);
    case p::Command::kLoadChunk:
      return load_chunk(header, in, reply);
    case p::Command::kLoadEnd:
      return load_end(header, in, reply);
    case p::Command::kInput:
      return input(header, in, reply);
    case p::Command::kRun:
      return run(header, in, reply);
    case p::Command::kPerOp:
      return per_op(header, in, reply);
    case p::Command::kOutput:
      return output(header, in, reply);
    case p::Command::kReset:
      return reset(header, in, reply);
  }
  return error(header, p::ReplyStatus::kUnknownCommand, expected_found(0, header.command), reply);
}

size_t Runner::error(const p::RequestHeader& h, p::ReplyStatus status, const p::ErrorReply& body,
                     uint8_t* reply) {
  return p::build_reply(h.command, h.sequence, status, body, reply, p::kMaxPayload);
}

size_t Runner::bad_length(const p::RequestHeader& h, uint8_t* reply) {
  return error(h, p::ReplyStatus::kBadLength,
               expected_found(0, static_cast<uint32_t>(request_body_size_)), reply);
}

size_t Runner::require_model(const p::RequestHeader& h, uint8_t* reply) {
  if (state_ == State::kLoading) return error(h, p::ReplyStatus::kBusy, p::ErrorReply{}, reply);
  if (state_ != State::kLoaded) return error(h, p::ReplyStatus::kNoModel, p::ErrorReply{}, reply);
  return 0;
}

void Runner::unload() {
  state_ = State::kEmpty;
  model_ = runtime::ModelView();
  interpreter_ = runtime::Interpreter();
  load_total_ = 0;
  load_received_ = 0;
  input_staging_ = nullptr;
  input_bytes_ = 0;
  output_bytes_ = 0;
  input_uploaded_ = false;
  has_run_ = false;
}

size_t Runner::hello(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  if (in.remaining() != 0) return bad_length(h, reply);
  p::HelloReply hello;
  hello.protocol_version = p::kProtocolVersion;
  hello.format_version = runtime::kFormatVersion;
  hello.firmware_version = p::make_text(firmware_version_);
  hello.board = p::make_text(facts_.kind);
  hello.core = p::make_text(facts_.core);
  hello.clock_hz = facts_.clock_hz;
  hello.sram_bytes = facts_.sram_bytes;
  hello.flash_bytes = facts_.flash_bytes;
  hello.model_region_bytes = memory_.model_region_bytes;
  hello.arena_capacity_bytes = memory_.arena_bytes;
  hello.scratch_capacity_bytes = memory_.scratch_bytes;
  hello.max_chunk = p::kMaxChunk;
  hello.timer = facts_.timer;
  hello.kernel_path = facts_.kernel_path;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, hello, reply, p::kMaxPayload);
}

size_t Runner::load_begin(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::LoadBeginRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  unload();  // a new upload replaces whatever was loaded
  if (request.total_size == 0) {
    return error(h, p::ReplyStatus::kBadArgument, expected_found(runtime::kHeaderSize, 0), reply);
  }
  if (request.total_size > memory_.model_region_bytes) {
    return error(h, p::ReplyStatus::kModelTooLarge,
                 expected_found(memory_.model_region_bytes, request.total_size), reply);
  }
  state_ = State::kLoading;
  load_total_ = request.total_size;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk,
                        p::LoadBeginReply{memory_.model_region_bytes}, reply, p::kMaxPayload);
}

size_t Runner::load_chunk(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::LoadChunkRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  if (state_ != State::kLoading) {
    return error(h, p::ReplyStatus::kNoLoadInProgress, p::ErrorReply{}, reply);
  }
  // Chunks must arrive in order, so a gap or an overlap is caught right where it happens; the
  // load stays open so the sender can retry the expected chunk.
  if (request.offset != load_received_) {
    return error(h, p::ReplyStatus::kChunkOutOfOrder,
                 expected_found(load_received_, request.offset), reply);
  }
  const uint32_t end = request.offset + static_cast<uint32_t>(request.size);
  if (end > load_total_) {
    return error(h, p::ReplyStatus::kOutOfRange, expected_found(load_total_, end), reply);
  }
  memcpy(memory_.model_region + request.offset, request.data, request.size);
  load_received_ = end;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk,
                        p::LoadChunkReply{load_received_}, reply, p::kMaxPayload);
}

size_t Runner::load_end(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::LoadEndRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  if (state_ != State::kLoading) {
    return error(h, p::ReplyStatus::kNoLoadInProgress, p::ErrorReply{}, reply);
  }
  const uint32_t total = load_total_;
  const uint32_t received = load_received_;
  unload();  // from here on, any failure leaves the runner without a model
  if (received != total) {
    return error(h, p::ReplyStatus::kIncompleteModel, expected_found(total, received), reply);
  }
  const uint32_t crc = runtime::crc32(memory_.model_region, total);
  if (crc != request.crc32) {
    return error(h, p::ReplyStatus::kModelCrcMismatch, expected_found(crc, request.crc32), reply);
  }
  runtime::ValidationError validation;
  runtime::ModelView model;
  const runtime::Status status =
      runtime::validate_model(memory_.model_region, total, &model, &validation);
  if (status != runtime::Status::kOk) {
    p::ErrorReply body;
    body.runtime_status = static_cast<uint8_t>(validation.status);
    body.detail = static_cast<uint8_t>(validation.section);
    body.index = validation.index;
    body.field = validation.field;
    return error(h, p::ReplyStatus::kInvalidModel, body, reply);
  }
  const runtime::TensorInfo input_info = model.tensor(model.input_tensor());
  const runtime::TensorInfo output_info = model.tensor(model.output_tensor());
  // Uploaded input is staged behind the model (the arena is repainted before runs).
  const uint32_t staging_offset = align_up(total, kInputAlignment);
  const uint64_t needed = static_cast<uint64_t>(staging_offset) + input_info.size_bytes;
  if (needed > memory_.model_region_bytes) {
    return error(h, p::ReplyStatus::kModelTooLarge,
                 expected_found(memory_.model_region_bytes, static_cast<uint32_t>(needed)), reply);
  }
  const runtime::Status init = interpreter_.init(model, memory_.arena, memory_.arena_bytes,
                                                 memory_.scratch, memory_.scratch_bytes);
  if (init != runtime::Status::kOk) {
    p::ErrorReply body;
    body.runtime_status = static_cast<uint8_t>(init);
    body.detail = static_cast<uint8_t>(runtime::ModelSection::kHeader);
    const bool arena = init == runtime::Status::kArenaTooSmall;
    body.field = arena ? runtime::header::kArenaSize : runtime::header::kScratchSize;
    body.expected = arena ? memory_.arena_bytes : memory_.scratch_bytes;
    body.found = arena ? model.arena_size() : model.scratch_size();
    interpreter_ = runtime::Interpreter();
    return error(h, p::ReplyStatus::kInvalidModel, body, reply);
  }
  if (model.op_count() > memory_.per_op_capacity) {
    interpreter_ = runtime::Interpreter();
    return error(h, p::ReplyStatus::kModelTooLarge,
                 expected_found(memory_.per_op_capacity, model.op_count()), reply);
  }
  model_ = model;
  input_staging_ = memory_.model_region + staging_offset;
  input_bytes_ = input_info.size_bytes;
  output_bytes_ = output_info.size_bytes;
  state_ = State::kLoaded;
  p::LoadEndReply body;
  body.arena_bytes = model.arena_size();
  body.scratch_bytes = model.scratch_size();
  body.input_bytes = input_bytes_;
  body.output_bytes = output_bytes_;
  body.op_count = model.op_count();
  body.tensor_count = model.tensor_count();
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, body, reply, p::kMaxPayload);
}

size_t Runner::input(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::InputRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  if (const size_t refused = require_model(h, reply)) return refused;
  const uint64_t end = static_cast<uint64_t>(request.offset) + request.size;
  if (end > input_bytes_) {
    return error(h, p::ReplyStatus::kOutOfRange,
                 expected_found(input_bytes_, static_cast<uint32_t>(end)), reply);
  }
  memcpy(input_staging_ + request.offset, request.data, request.size);
  input_uploaded_ = true;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, p::InputReply{input_bytes_},
                        reply, p::kMaxPayload);
}

void Runner::fill_input(p::InputMode mode, uint32_t seed) {
  uint8_t* input = reinterpret_cast<uint8_t*>(interpreter_.input());
  switch (mode) {
    case p::InputMode::kZeros:
      memset(input, 0, input_bytes_);
      break;
    case p::InputMode::kPseudoRandom:
      p::fill_pseudo_random(input, input_bytes_, seed);
      break;
    case p::InputMode::kUploaded:
      memcpy(input, input_staging_, input_bytes_);
      break;
  }
}

uint32_t Runner::arena_high_water(uint8_t paint) const {
  uint32_t end = memory_.arena_bytes;
  while (end > 0 && memory_.arena[end - 1] == paint) --end;
  return end;
}

void Runner::op_begin(void* ctx, uint16_t /*op*/) {
  Runner* self = static_cast<Runner*>(ctx);
  self->op_start_cycles_ = static_cast<uint32_t>(self->platform_.cycle_counter_read());
}

void Runner::op_end(void* ctx, uint16_t op) {
  Runner* self = static_cast<Runner*>(ctx);
  const uint32_t now = static_cast<uint32_t>(self->platform_.cycle_counter_read());
  self->memory_.per_op_cycles[op] = now - self->op_start_cycles_;  // modulo 2^32: wrap-safe
}

size_t Runner::run(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::RunRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  if (const size_t refused = require_model(h, reply)) return refused;
  if (request.iterations == 0) {
    return error(h, p::ReplyStatus::kBadArgument, expected_found(1, 0), reply);
  }
  const uint8_t mode = static_cast<uint8_t>(request.input_mode);
  if (mode >= p::kInputModeCount) {
    return error(h, p::ReplyStatus::kBadArgument, expected_found(p::kInputModeCount - 1, mode),
                 reply);
  }
  if (request.input_mode == p::InputMode::kUploaded && !input_uploaded_) {
    p::ErrorReply body = expected_found(input_bytes_, 0);
    body.detail = mode;
    return error(h, p::ReplyStatus::kBadArgument, body, reply);
  }

  const runtime::OpObserver observer{&Runner::op_begin, &Runner::op_end, this};
  p::RunReply result;
  result.min_cycles = UINT32_MAX;
  platform_.stack_paint();
  // Painted passes: the first kPaintedIterations timed iterations, plus an untimed one when
  // fewer were requested. Painting happens outside the timed region.
  const uint32_t passes =
      request.iterations >= kPaintedIterations ? request.iterations : kPaintedIterations;
  uint32_t arena_used = 0;
  for (uint32_t pass = 0; pass < passes; ++pass) {
    const bool painted = pass < kPaintedIterations;
    if (painted) memset(memory_.arena, kArenaPaints[pass], memory_.arena_bytes);
    fill_input(request.input_mode, request.seed);
    platform_.cycle_counter_restart();
    const runtime::Status status = interpreter_.invoke(&observer);
    const uint64_t cycles = platform_.cycle_counter_read();
    if (status != runtime::Status::kOk) {
      has_run_ = false;
      p::ErrorReply body;
      body.runtime_status = static_cast<uint8_t>(status);
      return error(h, p::ReplyStatus::kRunFailed, body, reply);
    }
    if (painted) {
      const uint32_t used = arena_high_water(kArenaPaints[pass]);
      if (used > arena_used) arena_used = used;
    }
    if (pass >= request.iterations) continue;  // the untimed extra painted pass
    const uint32_t cycles32 = cycles > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(cycles);
    result.total_cycles += cycles;
    result.last_cycles = cycles32;
    if (cycles32 < result.min_cycles) result.min_cycles = cycles32;
    if (cycles32 > result.max_cycles) result.max_cycles = cycles32;
  }
  // The extra pass (if any) ran last; its per-op cycles and output equal the timed ones since
  // the model, input and code path are identical.
  has_run_ = true;
  result.iterations = request.iterations;
  result.op_count = model_.op_count();
  result.arena_bytes_used = arena_used;
  result.stack_bytes_used = platform_.stack_bytes_used();
  result.output_crc32 =
      runtime::crc32(reinterpret_cast<const uint8_t*>(interpreter_.output()), output_bytes_);
  result.output_bytes = output_bytes_;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, result, reply, p::kMaxPayload);
}

size_t Runner::per_op(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::PerOpRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  if (const size_t refused = require_model(h, reply)) return refused;
  if (!has_run_) return error(h, p::ReplyStatus::kNoRunYet, p::ErrorReply{}, reply);
  if (request.count == 0 || request.count > p::kMaxPerOpCount) {
    return error(h, p::ReplyStatus::kBadArgument, expected_found(p::kMaxPerOpCount, request.count),
                 reply);
  }
  const uint32_t end = static_cast<uint32_t>(request.first_op) + request.count;
  if (end > model_.op_count()) {
    return error(h, p::ReplyStatus::kOutOfRange, expected_found(model_.op_count(), end), reply);
  }
  p::PerOpReply body;
  body.first_op = request.first_op;
  body.count = request.count;
  body.cycles = memory_.per_op_cycles + request.first_op;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, body, reply, p::kMaxPayload);
}

size_t Runner::output(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  p::OutputRequest request;
  if (!p::decode(in, request)) return bad_length(h, reply);
  if (const size_t refused = require_model(h, reply)) return refused;
  if (!has_run_) return error(h, p::ReplyStatus::kNoRunYet, p::ErrorReply{}, reply);
  if (request.length == 0 || request.length > p::kMaxOutputChunk) {
    return error(h, p::ReplyStatus::kBadArgument,
                 expected_found(p::kMaxOutputChunk, request.length), reply);
  }
  const uint64_t end = static_cast<uint64_t>(request.offset) + request.length;
  if (end > output_bytes_) {
    return error(h, p::ReplyStatus::kOutOfRange,
                 expected_found(output_bytes_, static_cast<uint32_t>(end)), reply);
  }
  p::OutputReply body;
  body.offset = request.offset;
  body.data = reinterpret_cast<const uint8_t*>(interpreter_.output()) + request.offset;
  body.size = request.length;
  return p::build_reply(h.command, h.sequence, p::ReplyStatus::kOk, body, reply, p::kMaxPayload);
}

size_t Runner::reset(const p::RequestHeader& h, p::ByteReader& in, uint8_t* reply) {
  if (in.remaining() != 0) return bad_length(h, reply);
  const size_t size = p::build_empty_reply(h.command, h.sequence, reply, p::kMaxPayload);
  unload();
  decoder_.reset();
  return size;
}

}  // namespace tinynas::firmware
