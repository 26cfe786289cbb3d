#include "engine/runtime/c_api.h"

#include <new>

#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/training_executor.h"

namespace tinynas::runtime {
namespace {

static_assert(sizeof(Interpreter) <= sizeof(tnm_interpreter),
              "raise TNM_INTERPRETER_STORAGE_WORDS: the C struct must hold an Interpreter");
static_assert(alignof(Interpreter) <= alignof(tnm_interpreter),
              "tnm_interpreter is less aligned than Interpreter");

// The C enum mirrors Status value for value.
static_assert(TNM_OK == static_cast<int>(Status::kOk));
static_assert(TNM_NULL_ARGUMENT == static_cast<int>(Status::kNullArgument));
static_assert(TNM_TRUNCATED == static_cast<int>(Status::kTruncated));
static_assert(TNM_BAD_MAGIC == static_cast<int>(Status::kBadMagic));
static_assert(TNM_UNSUPPORTED_VERSION == static_cast<int>(Status::kUnsupportedVersion));
static_assert(TNM_BAD_HEADER == static_cast<int>(Status::kBadHeader));
static_assert(TNM_CHECKSUM_MISMATCH == static_cast<int>(Status::kChecksumMismatch));
static_assert(TNM_MISALIGNED == static_cast<int>(Status::kMisaligned));
static_assert(TNM_BAD_TENSOR == static_cast<int>(Status::kBadTensor));
static_assert(TNM_TENSOR_OUT_OF_BOUNDS == static_cast<int>(Status::kTensorOutOfBounds));
static_assert(TNM_BAD_OPERAND_INDEX == static_cast<int>(Status::kBadOperandIndex));
static_assert(TNM_BAD_OP_KIND == static_cast<int>(Status::kBadOpKind));
static_assert(TNM_BAD_OP_PARAMETER == static_cast<int>(Status::kBadOpParameter));
static_assert(TNM_SHAPE_MISMATCH == static_cast<int>(Status::kShapeMismatch));
static_assert(TNM_CONSTANT_OUT_OF_BOUNDS == static_cast<int>(Status::kConstantOutOfBounds));
static_assert(TNM_ARENA_TOO_SMALL == static_cast<int>(Status::kArenaTooSmall));
static_assert(TNM_SCRATCH_TOO_SMALL == static_cast<int>(Status::kScratchTooSmall));
static_assert(TNM_NOT_INITIALIZED == static_cast<int>(Status::kNotInitialized));
static_assert(TNM_ARENA_OVERLAP == static_cast<int>(Status::kArenaOverlap));
static_assert(TNM_BAD_FUSED_GROUP == static_cast<int>(Status::kBadFusedGroup));
static_assert(TNM_BAD_PATCH_STAGE == static_cast<int>(Status::kBadPatchStage));
static_assert(TNM_BAD_STREAMED_STAGE == static_cast<int>(Status::kBadStreamedStage));

static_assert(TNM_BAD_TRAINING_SECTION == static_cast<int>(Status::kBadTrainingSection));
static_assert(TNM_UNSUPPORTED_TRAIN_OP == static_cast<int>(Status::kUnsupportedTrainOp));

// The C observer has the same members in the same order as OpObserver.
static_assert(sizeof(tnm_op_observer) == sizeof(OpObserver));

tnm_status to_c(Status status) { return static_cast<tnm_status>(status); }

void export_error(const ValidationError& error, tnm_validation_error* out) {
  if (out == nullptr) return;
  out->status = to_c(error.status);
  out->section = static_cast<uint8_t>(error.section);
  out->index = error.index;
  out->field = error.field;
}

void export_tensor(const TensorInfo& tensor, bool real, tnm_tensor_info* out) {
  if (out == nullptr) return;
  out->real = real ? 1 : 0;
  out->n = tensor.shape.n;
  out->h = tensor.shape.h;
  out->w = tensor.shape.w;
  out->c = tensor.shape.c;
  out->size_bytes = tensor.size_bytes;
  out->zero_point = tensor.zero_point;
  out->scale = tensor.scale;
}

// tnm_interpreter_init constructs the Interpreter in the caller's storage. Before that, a
// zero-filled struct (static storage) reads as not initialized; anything else must be
// initialized before use.
Interpreter* as_interpreter(tnm_interpreter* interpreter) {
  return std::launder(reinterpret_cast<Interpreter*>(interpreter->storage));
}
const Interpreter* as_interpreter(const tnm_interpreter* interpreter) {
  return std::launder(reinterpret_cast<const Interpreter*>(interpreter->storage));
}

// What tnm_trainer holds: the executor and the views it was bound to (the trained-layer
// queries read the section). Zero-filled (static storage) it reads as not initialized.
struct Trainer {
  TrainingExecutor executor;
  ModelView model;
  TrainingView training;
  bool ready;
};
static_assert(sizeof(Trainer) <= sizeof(tnm_trainer),
              "raise TNM_TRAINER_STORAGE_WORDS: the C struct must hold a Trainer");
static_assert(alignof(Trainer) <= alignof(tnm_trainer), "tnm_trainer is less aligned than Trainer");

Trainer* as_trainer(tnm_trainer* trainer) {
  return std::launder(reinterpret_cast<Trainer*>(trainer->storage));
}
const Trainer* as_trainer(const tnm_trainer* trainer) {
  return std::launder(reinterpret_cast<const Trainer*>(trainer->storage));
}

// Both validations of a training model; the views are set when it passes.
Status validate_training_model(const uint8_t* model, uint32_t model_size, ModelView* view,
                               TrainingView* training, tnm_validation_error* error) {
  ValidationError validation;
  Status status = validate_model(model, model_size, view, &validation);
  if (status == Status::kOk) status = validate_training(*view, training, &validation);
  export_error(validation, error);
  return status;
}

}  // namespace
}  // namespace tinynas::runtime

using tinynas::runtime::Interpreter;
using tinynas::runtime::ModelView;
using tinynas::runtime::OpObserver;
using tinynas::runtime::Status;
using tinynas::runtime::ValidationError;

extern "C" {

tnm_status tnm_validate(const uint8_t* model, uint32_t model_size, tnm_model_info* info,
                        tnm_validation_error* error) {
  ModelView view;
  ValidationError validation;
  const Status status = tinynas::runtime::validate_model(model, model_size, &view, &validation);
  tinynas::runtime::export_error(validation, error);
  if (status == Status::kOk && info != nullptr) {
    info->arena_size = view.arena_size();
    info->scratch_size = view.scratch_size();
    info->tensor_count = view.tensor_count();
    info->op_count = view.op_count();
  }
  return tinynas::runtime::to_c(status);
}

tnm_status tnm_interpreter_init(tnm_interpreter* interpreter, const uint8_t* model,
                                uint32_t model_size, uint8_t* arena, uint32_t arena_size,
                                uint8_t* scratch, uint32_t scratch_size,
                                tnm_validation_error* error) {
  if (interpreter == nullptr) return TNM_NULL_ARGUMENT;
  Interpreter* state = new (interpreter->storage) Interpreter();
  ModelView view;
  ValidationError validation;
  const Status status = tinynas::runtime::validate_model(model, model_size, &view, &validation);
  tinynas::runtime::export_error(validation, error);
  if (status != Status::kOk) return tinynas::runtime::to_c(status);
  return tinynas::runtime::to_c(state->init(view, arena, arena_size, scratch, scratch_size));
}

tnm_status tnm_invoke(tnm_interpreter* interpreter, const tnm_op_observer* observer) {
  if (interpreter == nullptr) return TNM_NULL_ARGUMENT;
  Interpreter* state = tinynas::runtime::as_interpreter(interpreter);
  if (observer == nullptr) return tinynas::runtime::to_c(state->invoke(nullptr));
  const OpObserver op_observer{observer->begin, observer->end, observer->ctx};
  return tinynas::runtime::to_c(state->invoke(&op_observer));
}

int8_t* tnm_input(tnm_interpreter* interpreter, tnm_tensor_info* info) {
  if (interpreter == nullptr) return nullptr;
  Interpreter* state = tinynas::runtime::as_interpreter(interpreter);
  if (state->initialized()) {
    tinynas::runtime::export_tensor(state->input_info(), state->model().real_input(), info);
  }
  return state->input();
}

const int8_t* tnm_output(const tnm_interpreter* interpreter, tnm_tensor_info* info) {
  if (interpreter == nullptr) return nullptr;
  const Interpreter* state = tinynas::runtime::as_interpreter(interpreter);
  if (state->initialized()) {
    tinynas::runtime::export_tensor(state->output_info(), state->model().real_output(), info);
  }
  return state->output();
}

tnm_status tnm_set_input_real(tnm_interpreter* interpreter, const float* values, uint32_t count) {
  if (interpreter == nullptr) return TNM_NULL_ARGUMENT;
  return tinynas::runtime::to_c(
      tinynas::runtime::as_interpreter(interpreter)->set_input_real(values, count));
}

tnm_status tnm_get_output_real(const tnm_interpreter* interpreter, float* values, uint32_t count) {
  if (interpreter == nullptr) return TNM_NULL_ARGUMENT;
  return tinynas::runtime::to_c(
      tinynas::runtime::as_interpreter(interpreter)->output_real(values, count));
}

tnm_status tnm_training_validate(const uint8_t* model, uint32_t model_size, tnm_training_info* info,
                                 tnm_validation_error* error) {
  ModelView view;
  tinynas::runtime::TrainingView training;
  const Status status =
      tinynas::runtime::validate_training_model(model, model_size, &view, &training, error);
  if (status == Status::kOk && info != nullptr) {
    info->arena_size = view.arena_size();
    info->scratch_size = view.scratch_size();
    info->trained_layer_count = training.layer_count();
    info->class_count = static_cast<uint16_t>(view.tensor(training.logits()).size_bytes);
    info->learning_rate = training.learning_rate();
  }
  return tinynas::runtime::to_c(status);
}

tnm_status tnm_training_init(tnm_trainer* trainer, const uint8_t* model, uint32_t model_size,
                             uint8_t* arena, uint32_t arena_size, uint8_t* scratch,
                             uint32_t scratch_size, tnm_validation_error* error) {
  if (trainer == nullptr) return TNM_NULL_ARGUMENT;
  tinynas::runtime::Trainer* state = new (trainer->storage) tinynas::runtime::Trainer();
  state->ready = false;
  Status status = tinynas::runtime::validate_training_model(model, model_size, &state->model,
                                                            &state->training, error);
  if (status != Status::kOk) return tinynas::runtime::to_c(status);
  status =
      state->executor.init(state->model, state->training, arena, arena_size, scratch, scratch_size);
  state->ready = status == Status::kOk;
  return tinynas::runtime::to_c(status);
}

int8_t* tnm_training_input(tnm_trainer* trainer, tnm_tensor_info* info) {
  if (trainer == nullptr) return nullptr;
  tinynas::runtime::Trainer* state = tinynas::runtime::as_trainer(trainer);
  if (!state->ready) return nullptr;
  tinynas::runtime::export_tensor(state->model.tensor(state->model.input_tensor()),
                                  state->model.real_input(), info);
  return state->executor.input();
}

tnm_status tnm_training_step(tnm_trainer* trainer, int32_t label, float* loss) {
  if (trainer == nullptr) return TNM_NULL_ARGUMENT;
  tinynas::runtime::Trainer* state = tinynas::runtime::as_trainer(trainer);
  if (!state->ready) return TNM_NOT_INITIALIZED;
  return tinynas::runtime::to_c(state->executor.step(label, loss));
}

tnm_status tnm_trained_layer(const tnm_trainer* trainer, uint16_t layer,
                             tnm_trained_layer_info* info) {
  if (trainer == nullptr || info == nullptr) return TNM_NULL_ARGUMENT;
  const tinynas::runtime::Trainer* state = tinynas::runtime::as_trainer(trainer);
  if (!state->ready) return TNM_NOT_INITIALIZED;
  if (layer >= state->training.layer_count()) return TNM_SHAPE_MISMATCH;
  const tinynas::runtime::TrainedLayerInfo trained = state->training.layer(layer);
  const tinynas::runtime::OpInfo op = state->model.op(trained.model_op);
  info->op = trained.model_op;
  info->name_length = trained.name_length;
  info->name = trained.name;
  info->weights = state->executor.trained_weights(layer);
  info->weight_bytes = info->weights == nullptr ? 0 : state->model.tensor(op.weights).size_bytes;
  info->bias = state->executor.trained_bias(layer);
  info->bias_count =
      info->bias == nullptr ? 0 : static_cast<uint32_t>(state->model.tensor(op.output).shape.c);
  info->channel_count = trained.channel_count;
  return TNM_OK;
}

const char* tnm_status_message(tnm_status status) {
  return tinynas::runtime::status_message(static_cast<Status>(status));
}

uint32_t tnm_format_validation_error(const tnm_validation_error* error, char* buffer,
                                     uint32_t size) {
  ValidationError validation;
  if (error != nullptr) {
    validation.status = static_cast<Status>(error->status);
    validation.section = static_cast<tinynas::runtime::ModelSection>(error->section);
    validation.index = error->index;
    validation.field = error->field;
  }
  return tinynas::runtime::format_validation_error(validation, buffer, size);
}

}  // extern "C"
