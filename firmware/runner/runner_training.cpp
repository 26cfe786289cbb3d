// The runner's training requests: TRAIN_INIT, TRAIN_STEP, TRAIN_LAYER and TRAIN_PARAMS on a
// loaded training model (protocol/messages.h), run by the runtime's TrainingExecutor on the
// runner's arena and scratch, so a board's steps are the host's, bit for bit.
#include <string.h>

#include "engine/runtime/crc32.h"
#include "firmware/runner/runner.h"

namespace tinynas::firmware {

namespace p = protocol;

namespace {

uint32_t float_bits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  return bits;
}

}  // namespace

size_t Runner::refuse_training(const Request& request, bool initialized, uint8_t* reply) const {
  if (const size_t refused = server_.require_model(request, reply)) return refused;
  if (!training_.valid()) {
    return error_reply(request, p::ReplyStatus::kNotTrainingModel, p::ErrorReply{}, reply);
  }
  if (initialized && !trainer_ready_) {
    return error_reply(request, p::ReplyStatus::kNoTrainInit, p::ErrorReply{}, reply);
  }
  return 0;
}

size_t Runner::train_init(const Request& request, uint8_t* reply) {
  p::TrainInitRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = refuse_training(request, false, reply)) return refused;
  trainer_ready_ = false;
  train_steps_ = 0;
  arena_paint_ = body.arena_paint;
  memset(memory_.arena, arena_paint_, memory_.arena_bytes);
  const runtime::Status status =
      trainer_.init(model_, training_, memory_.arena, memory_.arena_bytes, memory_.scratch,
                    memory_.scratch_bytes);
  if (status != runtime::Status::kOk) {
    p::ErrorReply detail;
    detail.runtime_status = static_cast<uint8_t>(status);
    return error_reply(request, p::ReplyStatus::kRunFailed, detail, reply);
  }
  trainer_ready_ = true;
  p::TrainInitReply init;
  init.layer_count = training_.layer_count();
  init.classes = static_cast<uint16_t>(model_.tensor(training_.logits()).size_bytes);
  init.input_bytes = served_.input_bytes;
  init.arena_bytes = model_.arena_size();
  init.scratch_bytes = model_.scratch_size();
  init.learning_rate_bits = float_bits(training_.learning_rate());
  return ok_reply(request, init, reply);
}

size_t Runner::train_step(const Request& request, uint8_t* reply) {
  p::TrainStepRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = refuse_training(request, true, reply)) return refused;
  if (!server_.input_uploaded()) {
    return error_reply(request, p::ReplyStatus::kNoInput, expected_found(served_.input_bytes, 0),
                       reply);
  }
  const uint32_t classes = model_.tensor(training_.logits()).size_bytes;
  if (body.label >= classes) {
    return error_reply(request, p::ReplyStatus::kOutOfRange, expected_found(classes, body.label),
                       reply);
  }
  memcpy(trainer_.input(), served_.input_staging, served_.input_bytes);
  float loss = 0.0f;
  platform_.stack_paint();
  platform_.cycle_counter_restart();
  const runtime::Status status = trainer_.step(static_cast<int32_t>(body.label), &loss);
  const uint64_t cycles = platform_.cycle_counter_read();
  if (status != runtime::Status::kOk) {
    trainer_ready_ = false;  // a step stopped half way leaves the parameters inconsistent
    p::ErrorReply detail;
    detail.runtime_status = static_cast<uint8_t>(status);
    return error_reply(request, p::ReplyStatus::kRunFailed, detail, reply);
  }
  ++train_steps_;
  p::TrainStepReply step;
  step.loss_bits = float_bits(loss);
  step.cycles = cycles > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(cycles);
  step.arena_bytes_used = painted_high_water(memory_.arena, memory_.arena_bytes, arena_paint_);
  step.stack_bytes_used = platform_.stack_bytes_used();
  step.steps = train_steps_;
  return ok_reply(request, step, reply);
}

const uint8_t* Runner::trained_part(uint16_t layer, p::TrainPart part, uint32_t* size) const {
  const runtime::TrainedLayerInfo info = training_.layer(layer);
  const bool weights = part == p::TrainPart::kWeights;
  if (weights ? !info.trains_weights() : !info.trains_bias()) {
    *size = 0;
    return nullptr;
  }
  const runtime::TrainTensorInfo tensor =
      training_.tensor(weights ? info.trained_weights : info.trained_bias);
  *size = tensor.size_bytes;
  return memory_.arena + tensor.offset;
}

size_t Runner::train_layer(const Request& request, uint8_t* reply) {
  p::TrainLayerRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = refuse_training(request, true, reply)) return refused;
  if (body.layer >= training_.layer_count()) {
    return error_reply(request, p::ReplyStatus::kOutOfRange,
                       expected_found(training_.layer_count(), body.layer), reply);
  }
  const runtime::TrainedLayerInfo info = training_.layer(body.layer);
  p::TrainLayerReply layer;
  layer.layer = body.layer;
  layer.model_op = info.model_op;
  layer.flags = info.flags;
  const uint8_t* weights = trained_part(body.layer, p::TrainPart::kWeights, &layer.weight_bytes);
  const uint8_t* bias = trained_part(body.layer, p::TrainPart::kBias, &layer.bias_bytes);
  layer.weights_crc32 = runtime::crc32(weights, layer.weight_bytes);
  layer.bias_crc32 = runtime::crc32(bias, layer.bias_bytes);
  return ok_reply(request, layer, reply);
}

size_t Runner::train_params(const Request& request, uint8_t* reply) {
  p::TrainParamsRequest body;
  if (!request.decode(body)) return bad_length_reply(request, reply);
  if (const size_t refused = refuse_training(request, true, reply)) return refused;
  if (body.layer >= training_.layer_count()) {
    return error_reply(request, p::ReplyStatus::kOutOfRange,
                       expected_found(training_.layer_count(), body.layer), reply);
  }
  const uint8_t part = static_cast<uint8_t>(body.part);
  if (part >= p::kTrainPartCount) {
    return error_reply(request, p::ReplyStatus::kBadArgument,
                       expected_found(p::kTrainPartCount - 1, part), reply);
  }
  if (body.length == 0 || body.length > p::kMaxTrainParamsChunk) {
    return error_reply(request, p::ReplyStatus::kBadArgument,
                       expected_found(p::kMaxTrainParamsChunk, body.length), reply);
  }
  uint32_t size = 0;
  const uint8_t* data = trained_part(body.layer, body.part, &size);
  const uint64_t end = static_cast<uint64_t>(body.offset) + body.length;
  if (end > size) {
    return error_reply(request, p::ReplyStatus::kOutOfRange,
                       expected_found(size, static_cast<uint32_t>(end)), reply);
  }
  p::TrainParamsReply chunk;
  chunk.offset = body.offset;
  chunk.data = data + body.offset;
  chunk.size = body.length;
  return ok_reply(request, chunk, reply);
}

}  // namespace tinynas::firmware
