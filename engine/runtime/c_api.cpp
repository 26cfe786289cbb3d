#include "engine/runtime/c_api.h"

#include <new>

#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"

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
