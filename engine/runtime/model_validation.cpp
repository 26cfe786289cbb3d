// validate_model(): runs the checks in order (model_validator.h) and hands out the view; and the
// text of a validation error.
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime {
namespace {

void append(char* buffer, uint32_t size, uint32_t* length, const char* text) {
  for (const char* c = text; *c != '\0'; ++c) {
    if (*length + 1 < size) buffer[*length] = *c;
    ++*length;
  }
}

void append_number(char* buffer, uint32_t size, uint32_t* length, uint32_t value) {
  constexpr int kMaxDigits = 10;
  constexpr uint32_t kBase = 10;
  char digits[kMaxDigits + 1];
  int n = kMaxDigits;
  digits[n] = '\0';
  do {
    digits[--n] = static_cast<char>('0' + value % kBase);
    value /= kBase;
  } while (value != 0);
  append(buffer, size, length, digits + n);
}

}  // namespace

Status validate_model(const uint8_t* data, uint32_t size, ModelView* out, ValidationError* error) {
  if (out != nullptr) *out = ModelView();
  if (error != nullptr) *error = ValidationError();
  validation::Validator validator(data, size, error);
  const Status status = validator.run();
  if (status != Status::kOk || out == nullptr) return status;
  const validation::Header& h = validator.header();
  out->data_ = data;
  out->size_ = size;
  out->version_ = h.version;
  out->tensor_count_ = h.tensor_count;
  out->op_count_ = h.op_count;
  out->tensor_table_offset_ = h.tensor_table_offset;
  out->op_table_offset_ = h.op_table_offset;
  out->constants_offset_ = h.constants_offset;
  out->constants_size_ = h.constants_size;
  out->arena_size_ = h.arena_size;
  out->scratch_size_ = h.scratch_size;
  out->input_tensor_ = h.input;
  out->output_tensor_ = h.output;
  out->flags_ = h.flags;
  if ((h.flags & kModelFlagPatchStage) != 0) {
    out->patch_grid_ = h.patch_grid;
    out->patch_split_ = h.patch_split;
  }
  if ((h.flags & kModelFlagScratchInArena) != 0) {
    out->arena_scratch_offset_ = h.arena_scratch_offset;
    out->arena_scratch_bytes_ = h.arena_scratch_bytes;
  }
  return Status::kOk;
}

uint32_t format_validation_error(const ValidationError& error, char* buffer, uint32_t size) {
  uint32_t length = 0;
  if (error.section != ModelSection::kNone) {
    append(buffer, size, &length, section_name(error.section));
    if (section_has_records(error.section)) {
      append(buffer, size, &length, " ");
      append_number(buffer, size, &length, error.index);
    }
    append(buffer, size, &length, " (field ");
    append_number(buffer, size, &length, error.field);
    append(buffer, size, &length, "): ");
  }
  append(buffer, size, &length, status_message(error.status));
  if (size > 0) buffer[length < size ? length : size - 1] = '\0';
  return length;
}

}  // namespace tinynas::runtime
