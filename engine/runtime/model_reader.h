// Reader and validator of .tnm model files (layout: model_format.h, prose: docs/model-format.md).
// validate_model() checks every byte that the interpreter will later rely on — header, tables,
// operand roles, shapes, parameters, constant arrays, arena placement and the worst-case int32
// accumulator range — so that a model that passes can be run on any input without a bounds or
// overflow check in the kernels. A ModelView is only ever handed out for a model that passed.
// Freestanding: no heap, the view points into the caller's buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/status.h"

namespace tinynas::runtime {

// A decoded tensor record.
struct TensorInfo {
  DType dtype = DType::kInt8;
  Storage storage = Storage::kArena;
  Shape shape;          // N, H, W, C (weights: see model_format.h)
  uint32_t offset = 0;  // arena offset (kArena, kPatched) or constant-pool offset (kConstant)
  uint32_t size_bytes = 0;
  int32_t zero_point = 0;
  float scale = 0.0f;               // informational
  uint32_t patch_region_bytes = 0;  // kPatched: the arena bytes of one patch's region
  uint16_t ring_rows = 0;           // kRing: rows of the ring (W * C bytes each)
  // Bytes of one row of the activation (H x W x C: W * C).
  uint32_t row_bytes() const {
    return static_cast<uint32_t>(shape.w) * static_cast<uint32_t>(shape.c);
  }
  // Bytes the tensor occupies in the arena from `offset` (kArena, kPatched and kRing).
  uint32_t arena_bytes() const {
    if (storage == Storage::kPatched) return patch_region_bytes;
    if (storage == Storage::kRing) return ring_rows * row_bytes();
    return size_bytes;
  }
};

// A decoded op record; fields an op kind does not use hold zero, kNoTensor or kNoOffset.
struct OpInfo {
  OpKind kind = OpKind::kConv2d;
  uint8_t flags = 0;
  int32_t activation_min = 0;
  int32_t activation_max = 0;
  uint16_t input0 = kNoTensor;
  uint16_t input1 = kNoTensor;
  uint16_t weights = kNoTensor;
  uint16_t output = kNoTensor;
  int32_t kernel_h = 0, kernel_w = 0;
  int32_t stride_h = 0, stride_w = 0;
  int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  uint32_t bias_offset = kNoOffset;  // constant-pool offsets of int32[out_channels]
  uint32_t multiplier_offset = kNoOffset;
  uint32_t shift_offset = kNoOffset;
  int32_t input0_multiplier = 0, input0_shift = 0;
  int32_t input1_multiplier = 0, input1_shift = 0;
  int32_t output_multiplier = 0, output_shift = 0;
  int32_t left_shift = 0;
  uint32_t scratch_bytes = 0;
  // The same bytes under the names the version-2 kinds give them (model_format.h, op_record).
  int32_t softmax_input_multiplier = 0, softmax_input_left_shift = 0, softmax_diff_min = 0;
  uint32_t concat_input_table = kNoOffset;  // pool offset of the input table
  int32_t concat_input_count = 0;
  uint32_t mean_mode = 0;  // MeanMode
  float mean_scale = 0.0f;
  bool in_place() const { return (flags & kOpFlagInPlace) != 0; }
  bool fused_rows() const { return (flags & kOpFlagFusedRows) != 0; }
  bool streamed() const { return (flags & kOpFlagStreamed) != 0; }
  bool stream_start() const { return (flags & kOpFlagStreamStart) != 0; }
};

// One entry of a concatenation's input table (model_format.h, concat_input_entry).
struct ConcatInputEntry {
  uint16_t tensor = kNoTensor;
  uint8_t requantize = 0;  // 0: copy, 1: requantize
  uint8_t reserved = 0;
  int32_t multiplier = 0;
  int32_t shift = 0;
};

// Decoding of raw records (no checks; validate_model() is what makes their values safe to use).
TensorInfo decode_tensor_record(const uint8_t* record);
OpInfo decode_op_record(const uint8_t* record);
ConcatInputEntry decode_concat_input_entry(const uint8_t* entry);

// The activation inputs of an op: input0 (and input1 for kAdd), or a concatenation's table
// entries. `pool` is the constant pool (read for concatenations only).
int32_t op_input_count(const OpInfo& op);
uint16_t op_input(const OpInfo& op, const uint8_t* pool, int32_t k);

// True when an op of this kind runs the pointwise kernel (conv2d_1x1_s8): 1x1, stride 1.
bool is_pointwise_conv(const OpInfo& op);
// Scratch bytes the kernel that runs `op` asks for (its *_get_buffer_size).
int32_t kernel_scratch_bytes(const OpInfo& op, const TensorInfo& input, const TensorInfo& weights);

// Scratch bytes inverted_residual_rows_s8 needs for the fused group whose depthwise op is
// `depthwise` (its input is the group's expanded tensor, its output the depthwise output).
int32_t fused_group_scratch_bytes(const TensorInfo& expanded, const TensorInfo& depthwise_weights,
                                  const TensorInfo& depthwise_output);

// A validated model, read in place from the caller's buffer (which must outlive the view).
class ModelView {
 public:
  bool valid() const { return data_ != nullptr; }
  const uint8_t* data() const { return data_; }
  uint32_t size() const { return size_; }

  uint16_t tensor_count() const { return tensor_count_; }
  uint16_t op_count() const { return op_count_; }
  TensorInfo tensor(uint16_t index) const;  // index < tensor_count()
  OpInfo op(uint16_t index) const;          // index < op_count()

  uint16_t version() const { return version_; }
  const uint8_t* constants() const { return data_ + constants_offset_; }
  uint32_t constants_size() const { return constants_size_; }
  // Typed views of constant-pool arrays at a validated pool offset.
  const int8_t* constant_int8(uint32_t pool_offset) const;
  const int32_t* constant_int32(uint32_t pool_offset) const;  // nullptr for kNoOffset

  uint32_t arena_size() const { return arena_size_; }
  uint32_t scratch_size() const { return scratch_size_; }
  uint16_t input_tensor() const { return input_tensor_; }
  uint16_t output_tensor() const { return output_tensor_; }
  uint32_t flags() const { return flags_; }
  // kModelFlagRealInput / kModelFlagRealOutput: the network's interface is real-valued there.
  bool real_input() const { return (flags_ & kModelFlagRealInput) != 0; }
  bool real_output() const { return (flags_ & kModelFlagRealOutput) != 0; }
  // Input k of `op` (see op_input) and entry k of a concatenation's input table.
  uint16_t op_input(const OpInfo& op, int32_t k) const {
    return runtime::op_input(op, constants(), k);
  }
  ConcatInputEntry concat_input(const OpInfo& op, int32_t k) const;
  // kModelFlagPatchStage: ops [0, patch_split()) run per patch of a patch_grid()^2 split (else 0).
  uint16_t patch_grid() const { return patch_grid_; }
  // kModelFlagScratchInArena: the scratch buffer's arena offset and size (else 0, 0; the caller
  // then supplies scratch_size() bytes).
  uint32_t arena_scratch_offset() const { return arena_scratch_offset_; }
  uint32_t arena_scratch_bytes() const { return arena_scratch_bytes_; }
  uint16_t patch_split() const { return patch_split_; }

 private:
  friend Status validate_model(const uint8_t* data, uint32_t size, ModelView* out,
                               ValidationError* error);

  const uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint16_t version_ = 0;
  uint16_t tensor_count_ = 0;
  uint16_t op_count_ = 0;
  uint32_t tensor_table_offset_ = 0;
  uint32_t op_table_offset_ = 0;
  uint32_t constants_offset_ = 0;
  uint32_t constants_size_ = 0;
  uint32_t arena_size_ = 0;
  uint32_t scratch_size_ = 0;
  uint16_t input_tensor_ = 0;
  uint16_t output_tensor_ = 0;
  uint32_t flags_ = 0;
  uint16_t patch_grid_ = 0;
  uint16_t patch_split_ = 0;
  uint32_t arena_scratch_offset_ = 0;
  uint32_t arena_scratch_bytes_ = 0;
};

// Checks the whole model (see docs/model-format.md, "Validation rules"). On success fills *out
// (if not null) and returns kOk; on failure leaves *out invalid and, if `error` is not null,
// says which section, record index and field (byte offset within the record or header) failed.
// `data` must be 4-byte aligned (int32 arrays of the constant pool are read in place).
Status validate_model(const uint8_t* data, uint32_t size, ModelView* out, ValidationError* error);

// Writes e.g. "op 3 (field 12): invalid op parameter" (NUL-terminated, truncated to fit) and
// returns the length of the full message, like snprintf. `buffer` may be null when size is 0.
uint32_t format_validation_error(const ValidationError& error, char* buffer, uint32_t size);

}  // namespace tinynas::runtime
