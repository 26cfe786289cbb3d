#include "firmware/runner/runner.h"

#include <string.h>

#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"
#include "firmware/mlperf_tiny/model_name.h"

namespace tinynas::firmware {

namespace p = protocol;

namespace {

constexpr uint32_t kInputAlignment = 16;

size_t invalid_model_reply(const Request& request, const runtime::ValidationError& validation,
                           uint8_t* reply) {
  p::ErrorReply detail;
  detail.runtime_status = static_cast<uint8_t>(validation.status);
  detail.detail = static_cast<uint8_t>(validation.section);
  detail.index = validation.index;
  detail.field = validation.field;
  return error_reply(request, p::ReplyStatus::kInvalidModel, detail, reply);
}

uint32_t align_up(uint32_t value, uint32_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace

Runner::Runner(const BoardFacts& facts, const RunnerMemory& memory, const ServerPlatform& platform,
               const char* firmware_version)
    : memory_(memory),
      platform_(platform),
      server_(
          ServerIdentity{facts, firmware_version, memory.model_region_bytes, memory.arena_bytes,
                         memory.scratch_bytes,
                         static_cast<uint32_t>(reinterpret_cast<uintptr_t>(memory.model_region))},
          platform, ModelHooks{this, &Runner::invoke, &Runner::extra_request, &Runner::reset}) {}

size_t Runner::extra_request(void* self, const Request& request, uint8_t* reply) {
  Runner& runner = *static_cast<Runner*>(self);
  switch (static_cast<p::Command>(request.header.command)) {
    case p::Command::kLoadBegin:
      return runner.load_begin(request, reply);
    case p::Command::kLoadChunk:
      return runner.load_chunk(request, reply);
    case p::Command::kLoadEnd:
      return runner.load_end(request, reply);
    case p::Command::kLoadPlaced:
      return runner.load_placed(request, reply);
    case p::Command::kPerOp:
      return runner.per_op(request, reply);
    case p::Command::kTrainInit:
      return runner.train_init(request, reply);
    case p::Command::kTrainStep:
      return runner.train_step(request, reply);
    case p::Command::kTrainLayer:
      return runner.train_layer(request, reply);
    case p::Command::kTrainParams:
      return runner.train_params(request, reply);
    default:
      return 0;
  }
}

int Runner::invoke(void* self) {
  Runner& runner = *static_cast<Runner*>(self);
  runner.trainer_ready_ = false;  // the run (and its arena paint) overwrites the trained state
  const runtime::OpObserver observer{&Runner::op_begin, &Runner::op_end, self};
  return static_cast<int>(runner.interpreter_.invoke(&observer));
}

void Runner::reset(void* self) { static_cast<Runner*>(self)->unload(); }

void Runner::unload() {
  state_ = State::kEmpty;
  model_ = runtime::ModelView();
  interpreter_ = runtime::Interpreter();
  training_ = runtime::TrainingView();
  trainer_ = runtime::TrainingExecutor();
  trainer_ready_ = false;
  train_steps_ = 0;
  load_total_ = 0;
  load_received_ = 0;
  server_.withdraw(p::ReplyStatus::kNoModel);
}

size_t Runner::refuse_model_size(const Request& request, uint32_t total_size, uint8_t* reply) {
  if (total_size == 0) {
    return error_reply(request, p::ReplyStatus::kBadArgument,
                       expected_found(runtime::kHeaderSize, 0), reply);
  }
  if (total_size > memory_.model_region_bytes) {
    return error_reply(request, p::ReplyStatus::kModelTooLarge,
                       expected_found(memory_.model_region_bytes, total_size), reply);
  }
  return 0;
}

size_t Runner::load_begin(const Request& request, uint8_t* reply) {
  p::LoadBeginRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  unload();  // a new upload replaces whatever was loaded
  if (const size_t refused = refuse_model_size(request, body.total_size, reply)) return refused;
  state_ = State::kLoading;
  server_.withdraw(p::ReplyStatus::kBusy);
  load_total_ = body.total_size;
  return ok_reply(request, p::LoadBeginReply{memory_.model_region_bytes}, reply);
}

size_t Runner::load_chunk(const Request& request, uint8_t* reply) {
  p::LoadChunkRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (state_ != State::kLoading) {
    return error_reply(request, p::ReplyStatus::kNoLoadInProgress, p::ErrorReply{}, reply);
  }
  // Chunks must arrive in order, so a gap or an overlap is caught right where it happens; the
  // load stays open so the sender can retry the expected chunk.
  if (body.offset != load_received_) {
    return error_reply(request, p::ReplyStatus::kChunkOutOfOrder,
                       expected_found(load_received_, body.offset), reply);
  }
  const uint32_t end = body.offset + static_cast<uint32_t>(body.size);
  if (end > load_total_) {
    return error_reply(request, p::ReplyStatus::kOutOfRange, expected_found(load_total_, end),
                       reply);
  }
  memcpy(memory_.model_region + body.offset, body.data, body.size);
  load_received_ = end;
  return ok_reply(request, p::LoadChunkReply{load_received_}, reply);
}

size_t Runner::load_end(const Request& request, uint8_t* reply) {
  p::LoadEndRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (state_ != State::kLoading) {
    return error_reply(request, p::ReplyStatus::kNoLoadInProgress, p::ErrorReply{}, reply);
  }
  const uint32_t total = load_total_;
  const uint32_t received = load_received_;
  unload();  // from here on, any failure leaves the runner without a model
  if (received != total) {
    return error_reply(request, p::ReplyStatus::kIncompleteModel, expected_found(total, received),
                       reply);
  }
  return accept_model(request, total, body.crc32, reply);
}

size_t Runner::load_placed(const Request& request, uint8_t* reply) {
  p::LoadPlacedRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  unload();  // the bytes in the region replace whatever was loaded
  if (const size_t refused = refuse_model_size(request, body.total_size, reply)) return refused;
  if (platform_.data_cache_invalidate != nullptr) {
    platform_.data_cache_invalidate(memory_.model_region, body.total_size);
  }
  return accept_model(request, body.total_size, body.crc32, reply);
}

size_t Runner::accept_model(const Request& request, uint32_t total, uint32_t claimed_crc,
                            uint8_t* reply) {
  const uint32_t crc = runtime::crc32(memory_.model_region, total);
  if (crc != claimed_crc) {
    return error_reply(request, p::ReplyStatus::kModelCrcMismatch, expected_found(crc, claimed_crc),
                       reply);
  }
  runtime::ValidationError validation;
  runtime::ModelView model;
  const runtime::Status status =
      runtime::validate_model(memory_.model_region, total, &model, &validation);
  if (status != runtime::Status::kOk) {
    return invalid_model_reply(request, validation, reply);
  }
  runtime::TrainingView training;
  if ((model.flags() & runtime::kModelFlagTraining) != 0 &&
      runtime::validate_training(model, &training, &validation) != runtime::Status::kOk) {
    return invalid_model_reply(request, validation, reply);
  }
  const runtime::TensorInfo input_info = model.tensor(model.input_tensor());
  const runtime::TensorInfo output_info = model.tensor(model.output_tensor());
  // Uploaded input is staged behind the model (the arena is repainted before runs).
  const uint32_t staging_offset = align_up(total, kInputAlignment);
  const uint64_t needed = static_cast<uint64_t>(staging_offset) + input_info.size_bytes;
  if (needed > memory_.model_region_bytes) {
    return error_reply(request, p::ReplyStatus::kModelTooLarge,
                       expected_found(memory_.model_region_bytes, static_cast<uint32_t>(needed)),
                       reply);
  }
  const runtime::Status init = interpreter_.init(model, memory_.arena, memory_.arena_bytes,
                                                 memory_.scratch, memory_.scratch_bytes);
  if (init != runtime::Status::kOk) {
    p::ErrorReply detail;
    detail.runtime_status = static_cast<uint8_t>(init);
    detail.detail = static_cast<uint8_t>(runtime::ModelSection::kHeader);
    const bool arena = init == runtime::Status::kArenaTooSmall;
    detail.field = arena ? runtime::header::kArenaSize : runtime::header::kScratchSize;
    detail.expected = arena ? memory_.arena_bytes : memory_.scratch_bytes;
    detail.found = arena ? model.arena_size() : model.scratch_size();
    interpreter_ = runtime::Interpreter();
    return error_reply(request, p::ReplyStatus::kInvalidModel, detail, reply);
  }
  if (model.op_count() > memory_.per_op_capacity) {
    interpreter_ = runtime::Interpreter();
    return error_reply(request, p::ReplyStatus::kModelTooLarge,
                       expected_found(memory_.per_op_capacity, model.op_count()), reply);
  }
  model_ = model;
  training_ = training;
  state_ = State::kLoaded;
  ServedModel served{};
  served.input = reinterpret_cast<uint8_t*>(interpreter_.input());
  served.input_bytes = input_info.size_bytes;
  served.input_staging = memory_.model_region + staging_offset;
  served.output = reinterpret_cast<const uint8_t*>(interpreter_.output());
  served.output_bytes = output_info.size_bytes;
  served.op_count = model.op_count();
  served.arena = memory_.arena;
  served.arena_bytes = memory_.arena_bytes;
  server_.serve(served);
  served_ = served;
  output_scale_ = output_info.scale;
  output_zero_point_ = output_info.zero_point;
  mlperf_tiny::crc_model_name(crc, model_name_);
  p::LoadEndReply loaded;
  loaded.arena_bytes = model.arena_size();
  loaded.scratch_bytes = model.scratch_size();
  loaded.input_bytes = input_info.size_bytes;
  loaded.output_bytes = output_info.size_bytes;
  loaded.op_count = model.op_count();
  loaded.tensor_count = model.tensor_count();
  return ok_reply(request, loaded, reply);
}

mlperf_tiny::ThModel Runner::th_model() {
  return mlperf_tiny::ThModel{this, &Runner::th_facts, [](void*) {}, &Runner::th_infer,
                              &Runner::th_result};
}

bool Runner::th_facts(void* self, mlperf_tiny::ThModelFacts* facts) {
  Runner& runner = *static_cast<Runner*>(self);
  if (runner.state_ != State::kLoaded) return false;
  facts->name = runner.model_name_;
  facts->db = runner.served_.input_staging;
  facts->input_bytes = runner.served_.input_bytes;
  facts->result_count = runner.served_.output_bytes;  // int8: one byte per score
  return true;
}

int Runner::th_infer(void* self) {
  Runner& runner = *static_cast<Runner*>(self);
  memcpy(runner.served_.input, runner.served_.input_staging, runner.served_.input_bytes);
  return static_cast<int>(runner.interpreter_.invoke(nullptr));
}

float Runner::th_result(void* self, uint32_t index) {
  const Runner& runner = *static_cast<const Runner*>(self);
  const int8_t q = static_cast<int8_t>(runner.served_.output[index]);
  return runner.output_scale_ *
         static_cast<float>(static_cast<int32_t>(q) - runner.output_zero_point_);
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

size_t Runner::per_op(const Request& request, uint8_t* reply) {
  p::PerOpRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = server_.require_model(request, reply)) return refused;
  if (!server_.has_run()) {
    return error_reply(request, p::ReplyStatus::kNoRunYet, p::ErrorReply{}, reply);
  }
  if (body.count == 0 || body.count > p::kMaxPerOpCount) {
    return error_reply(request, p::ReplyStatus::kBadArgument,
                       expected_found(p::kMaxPerOpCount, body.count), reply);
  }
  const uint32_t end = static_cast<uint32_t>(body.first_op) + body.count;
  if (end > model_.op_count()) {
    return error_reply(request, p::ReplyStatus::kOutOfRange, expected_found(model_.op_count(), end),
                       reply);
  }
  p::PerOpReply cycles;
  cycles.first_op = body.first_op;
  cycles.count = body.count;
  cycles.cycles = memory_.per_op_cycles + body.first_op;
  return ok_reply(request, cycles, reply);
}

}  // namespace tinynas::firmware
