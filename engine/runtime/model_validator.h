// The model validator's shared parts (internal to engine/runtime; the API is model_reader.h):
// the limits every check uses, the byte loaders, which fields each op kind uses, the fused-group
// roles, the decoded header and the Validator whose checks the model_*_validation.cpp,
// op_validation.cpp, fused_group_validation.cpp, patch_stage_validation.cpp and
// arena_validation.cpp files implement, one concern each.
#pragma once

#include <stdint.h>
#include <string.h>

#include "engine/runtime/model_reader.h"

namespace tinynas::runtime::validation {

inline constexpr int32_t kInt8Min = -128;
inline constexpr int32_t kInt8Max = 127;
inline constexpr int64_t kInt32Max = 2147483647;
inline constexpr int32_t kMinShift = -31;  // requantize.h: shift in [-31, 30]
inline constexpr int32_t kMaxShift = 30;
inline constexpr int32_t kMaxAddInputShift = 0;  // kernels.h: add input shifts in [-31, 0]
inline constexpr int32_t kMaxLeftShift = 30;     // kernels.h: add left_shift in [0, 30]
inline constexpr uint32_t kInt32Bytes = 4;
inline constexpr uint32_t kDataAlignment = 4;  // int32 arrays are read in place
inline constexpr uint32_t kTableAlignment = 4;
inline constexpr uint32_t kWeightsAlignment = 4;         // the writer pads weights to 4 bytes
inline constexpr uint64_t kMaxTensorBytes = 2147483647;  // Shape::elements() is an int32
inline constexpr uint32_t kReservedHeaderBytes = 12;
inline constexpr int kDimCount = 4;
inline constexpr uint32_t kDimBytes = 2;
inline constexpr uint32_t kWindowFieldsBegin =
    op_record::kKernelH;  // kernel, stride, padding: 8 x u8
inline constexpr uint32_t kWindowFieldsEnd = op_record::kBiasOffset;
// |x - zero_point| <= 255 for int8 x and a zero point in [-128, 127]; 256 also bounds the
// partial sums of kernels that add the offset term separately (sum x*w + offset * sum w).
inline constexpr int64_t kMaxInputMagnitude = 256;
// A requantized value still has an int8 zero point (magnitude <= 128) added to it.
inline constexpr int64_t kMaxZeroPointMagnitude = 128;
inline constexpr int64_t kRequantizedLimit = kInt32Max - kMaxZeroPointMagnitude;
inline constexpr int64_t kInt32MinMagnitude = int64_t{1} << 31;  // |INT32_MIN|
// |q - zero_point| of an int8 value with an int8 zero point.
inline constexpr int64_t kMaxInt8Difference = 255;
inline constexpr int32_t kMaxSoftmaxLeftShift = 31;
// Output of an int8 softmax: scale 1/256 (float bits), zero point -128 (TFLite requires both).
inline constexpr uint32_t kSoftmaxOutputScaleBits = 0x3B800000u;
inline constexpr int32_t kSoftmaxOutputZeroPoint = -128;
// kMean kFloat: keeps mean * scale and zp * scale finite in single precision.
inline constexpr float kMaxMeanScale = 1.8446744e19f;  // 2^64

inline constexpr uint32_t kFloatExponentShift = 23;
inline constexpr uint32_t kFloatExponentMask = 0xFFu;
inline constexpr uint32_t kFloatSignBit = 0x80000000u;

inline uint8_t load_u8(const uint8_t* p) { return p[0]; }
inline int8_t load_i8(const uint8_t* p) { return static_cast<int8_t>(p[0]); }

inline float load_f32(const uint8_t* p) {
  const uint32_t bits = load_u32(p);
  float value;
  memcpy(&value, &bits, sizeof(value));
  return value;
}

inline bool is_finite_float_bits(uint32_t bits) {
  return ((bits >> kFloatExponentShift) & kFloatExponentMask) != kFloatExponentMask;
}

inline uint32_t align_up(uint32_t value, uint32_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

inline uint64_t align_up64(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

inline bool ranges_overlap(uint64_t a_begin, uint64_t a_size, uint64_t b_begin, uint64_t b_size) {
  return a_begin < b_begin + b_size && b_begin < a_begin + a_size;
}

inline bool same_shape(const Shape& a, const Shape& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// Output extent of a sliding window: floor((in + pads - kernel) / stride) + 1, which needs the
// padded input to hold at least one window.
inline bool window_output_matches(int32_t in, int32_t pad_before, int32_t pad_after, int32_t kernel,
                                  int32_t stride, int32_t out) {
  const int32_t padded = in + pad_before + pad_after;
  if (padded < kernel) return false;
  return (padded - kernel) / stride + 1 == out;
}

// |requantize(x)| <= |x| * 2^max(shift, 0) for a Q31 multiplier in [0, 2^31) (the high multiply
// never grows a value and a right shift only shrinks it): the bound of the result, or -1 when
// the left shift would already overflow int32.
inline int64_t requantized_bound(int64_t bound, int32_t shift) {
  if (shift <= 0) return bound;
  const int64_t shifted = bound << shift;  // bound < 2^31 and shift <= 30: fits int64
  return shifted > kInt32Max ? -1 : shifted;
}

// Which fields an op kind uses.
struct OpRoles {
  bool has_input1;
  bool has_weights;      // and per-channel bias / multiplier / shift arrays
  bool has_window;       // kernel, stride, padding
  bool has_padding;      // the four padding fields alone (kPad)
  bool has_activation;   // a fused clamp; without one activation_min/max are -128 / 127
  bool has_input_table;  // kConcatenation: the input table's pool offset
  uint8_t params;        // bit k: the i32 field at kParamFieldsBegin + 4 * k is used
};

inline constexpr uint32_t kParamFieldsBegin = op_record::kInput0Multiplier;  // 32
inline constexpr int kParamFieldCount = 7;                                   // 32 .. 56
inline constexpr uint8_t param_bit(uint32_t field) {
  return static_cast<uint8_t>(1u << ((field - kParamFieldsBegin) / kInt32Bytes));
}
inline constexpr uint8_t kAddParams = 0x7F;  // every field 32 .. 56
inline constexpr uint8_t kOutputRequantParams =
    param_bit(op_record::kOutputMultiplier) | param_bit(op_record::kOutputShift);
inline constexpr uint8_t kSoftmaxParams = param_bit(op_record::kSoftmaxInputMultiplier) |
                                          param_bit(op_record::kSoftmaxInputLeftShift) |
                                          param_bit(op_record::kSoftmaxDiffMin);
// Which of them a mode uses: check_mean_params.
inline constexpr uint8_t kMeanParams =
    kOutputRequantParams | param_bit(op_record::kMeanScale) | param_bit(op_record::kMeanMode);

inline OpRoles roles_of(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
    case OpKind::kDepthwiseConv2d:
      return {false, true, true, false, true, false, 0};
    case OpKind::kFullyConnected:
      return {false, true, false, false, true, false, 0};
    case OpKind::kAdd:
      return {true, false, false, false, true, false, kAddParams};
    case OpKind::kAveragePool2d:
    case OpKind::kMaxPool2d:
      return {false, false, true, false, true, false, 0};
    case OpKind::kGlobalAveragePool:
      return {false, false, false, false, true, false, kOutputRequantParams};
    case OpKind::kSoftmax:
      return {false, false, false, false, false, false, kSoftmaxParams};
    case OpKind::kReshape:
      return {false, false, false, false, false, false, 0};
    case OpKind::kPad:
      return {false, false, false, true, false, false, 0};
    case OpKind::kConcatenation:
      return {false, false, false, false, false, true, param_bit(op_record::kConcatInputCount)};
    case OpKind::kQuantize:
      return {false, false, false, false, false, false, kOutputRequantParams};
    case OpKind::kMean:
      return {false, false, false, false, false, false, kMeanParams};
  }
  return {false, false, false, false, false, false, 0};
}

// Where an op sits in a fused inverted-residual group (kOpFlagFusedRows).
enum class FusedRole : uint8_t { kNone, kExpand, kDepthwise, kProject };

// The role a flagged op takes after an op of role `previous` (a finished group or an unflagged
// op is followed by a new group's expand op).
inline FusedRole next_fused_role(FusedRole previous) {
  switch (previous) {
    case FusedRole::kExpand:
      return FusedRole::kDepthwise;
    case FusedRole::kDepthwise:
      return FusedRole::kProject;
    case FusedRole::kNone:
    case FusedRole::kProject:
      return FusedRole::kExpand;
  }
  return FusedRole::kExpand;
}

// The previous op left a group unfinished.
inline bool inside_fused_group(FusedRole previous) {
  return previous == FusedRole::kExpand || previous == FusedRole::kDepthwise;
}

// Storage of an op's input0 and output by its place in a fused group: the two tensors inside a
// group are streamed, everything else lives in the arena.
inline Storage fused_input_storage(FusedRole role) {
  return role == FusedRole::kDepthwise || role == FusedRole::kProject ? Storage::kStreamed
                                                                      : Storage::kArena;
}
inline Storage fused_output_storage(FusedRole role) {
  return role == FusedRole::kExpand || role == FusedRole::kDepthwise ? Storage::kStreamed
                                                                     : Storage::kArena;
}

inline constexpr uint32_t kVersion1ModelFlags = kModelFlagInPlaceDepthwise | kModelFlagFusedRows |
                                                kModelFlagPatchStage | kModelFlagScratchInArena |
                                                kModelFlagStreamedStages;
inline constexpr uint32_t kVersion2ModelFlags =
    kVersion1ModelFlags | kModelFlagRealInput | kModelFlagRealOutput;
inline constexpr uint32_t kVersion3ModelFlags = kVersion2ModelFlags | kModelFlagTraining;
inline constexpr uint32_t kPatchFieldsBegin = header::kPatchGrid;
inline constexpr uint32_t kArenaScratchFieldsBegin = header::kArenaScratchOffset;
inline constexpr int32_t kMinPatchGrid = 2;
inline constexpr uint32_t kKnownOpFlags =
    kOpFlagInPlace | kOpFlagFusedRows | kOpFlagStreamed | kOpFlagStreamStart;

struct Header {
  uint32_t magic, file_size, crc;
  uint16_t version, header_size, tensor_count, op_count, input, output;
  uint32_t tensor_table_offset, op_table_offset, constants_offset, constants_size;
  uint32_t arena_size, scratch_size, flags;
  uint16_t patch_grid, patch_split;
  uint32_t arena_scratch_offset, arena_scratch_bytes;
};

Header decode_header(const uint8_t* p);

class Validator {
 public:
  Validator(const uint8_t* data, uint32_t size, ValidationError* error)
      : data_(data), size_(size), error_(error) {}

  Status run() {
    Status status = check_header();
    if (status != Status::kOk) return status;
    for (uint16_t i = 0; i < header_.tensor_count; ++i) {
      status = check_tensor(i);
      if (status != Status::kOk) return status;
    }
    status = check_model_io();
    if (status != Status::kOk) return status;
    for (uint16_t i = 0; i < header_.op_count; ++i) {
      status = check_op(i);
      if (status != Status::kOk) return status;
    }
    if (inside_fused_group(fused_role_)) {  // the last group is cut short by the end of the table
      return op_error(Status::kBadFusedGroup, static_cast<uint16_t>(header_.op_count - 1),
                      op_record::kFlags);
    }
    if (!produced_before(header_.output, header_.op_count)) {
      return fail(Status::kBadOperandIndex, ModelSection::kHeader, 0, header::kOutputTensor);
    }
    status = check_patch_stage();
    if (status != Status::kOk) return status;
    status = check_streamed_stages();
    if (status != Status::kOk) return status;
    status = check_arena_sharing();
    if (status != Status::kOk) return status;
    return check_arena_scratch_sharing();
  }

  const Header& header() const { return header_; }

 private:
  Status fail(Status status, ModelSection section, uint16_t index, uint32_t field) {
    if (error_ != nullptr) {
      error_->status = status;
      error_->section = section;
      error_->index = index;
      error_->field = field;
    }
    return status;
  }
  Status header_error(Status status, uint32_t field) {
    return fail(status, ModelSection::kHeader, 0, field);
  }
  Status tensor_error(Status status, uint16_t index, uint32_t field) {
    return fail(status, ModelSection::kTensorTable, index, field);
  }
  Status op_error(Status status, uint16_t index, uint32_t field) {
    return fail(status, ModelSection::kOpTable, index, field);
  }

  const uint8_t* tensor_record(uint16_t i) const {
    return data_ + header_.tensor_table_offset + uint32_t{i} * kTensorRecordSize;
  }
  const uint8_t* op_record(uint16_t i) const {
    return data_ + header_.op_table_offset + uint32_t{i} * kOpRecordSize;
  }
  TensorInfo tensor(uint16_t i) const { return decode_tensor_record(tensor_record(i)); }
  uint16_t op_output(uint16_t i) const { return load_u16(op_record(i) + op_record::kOutput); }
  // Op i reads tensor t (a concatenation's table must have been checked).
  bool op_reads(uint16_t i, uint16_t t) const {
    const uint8_t* record = op_record(i);
    if (record[op_record::kKind] == static_cast<uint8_t>(OpKind::kConcatenation)) {
      const uint8_t* table = pool() + load_u32(record + op_record::kConcatInputTable);
      const int32_t count = load_i32(record + op_record::kConcatInputCount);
      for (int32_t k = 0; k < count; ++k) {
        if (load_u16(table + static_cast<uint32_t>(k) * kConcatInputEntrySize) == t) return true;
      }
      return false;
    }
    return load_u16(record + op_record::kInput0) == t || load_u16(record + op_record::kInput1) == t;
  }
  // The tensor holds data when op `op` starts: it is the model input or an earlier op's output.
  bool produced_before(uint16_t t, uint16_t op) const {
    if (t == header_.input) return true;
    for (uint16_t j = 0; j < op; ++j) {
      if (op_output(j) == t) return true;
    }
    return false;
  }
  Status check_header();
  // Some op carries kOpFlagFusedRows (the table layout has been checked).
  bool any_fused_op() const {
    for (uint16_t i = 0; i < header_.op_count; ++i) {
      if ((op_record(i)[op_record::kFlags] & kOpFlagFusedRows) != 0) return true;
    }
    return false;
  }
  Status check_table_layout();
  Status check_patch_header();
  Status check_arena_scratch_header();
  bool scratch_in_arena() const { return (header_.flags & kModelFlagScratchInArena) != 0; }
  bool version1() const { return header_.version == 1; }
  // Bytes of scratch an op may use: the arena's scratch region or the caller's buffer.
  uint32_t scratch_capacity() const {
    return scratch_in_arena() ? header_.arena_scratch_bytes : header_.scratch_size;
  }
  Status check_arena_scratch_sharing();
  bool has_patch_stage() const { return (header_.flags & kModelFlagPatchStage) != 0; }
  bool in_patch_stage(uint16_t op) const { return has_patch_stage() && op < header_.patch_split; }
  // The storage an operand of op i must have, by its place in a fused group or the patch stage.
  Storage expected_input_storage(uint16_t i, uint16_t tensor, FusedRole fused) const;
  Storage expected_output_storage(uint16_t i, FusedRole fused) const;
  Status check_patch_op(uint16_t i, const OpInfo& op);
  Status check_patch_stage();
  // Streamed stages (streamed_stage_validation.cpp).
  bool has_streamed_stages() const { return (header_.flags & kModelFlagStreamedStages) != 0; }
  uint8_t op_flags(uint16_t i) const { return op_record(i)[op_record::kFlags]; }
  bool op_streamed(int32_t i) const {
    return i >= 0 && i < header_.op_count &&
           (op_flags(static_cast<uint16_t>(i)) & kOpFlagStreamed) != 0;
  }
  // Op i + 1 continues the streamed stage of op i.
  bool stage_continues(int32_t i) const {
    return op_streamed(i + 1) && (op_flags(static_cast<uint16_t>(i + 1)) & kOpFlagStreamStart) == 0;
  }
  // The first and last op of the streamed stage op i (streamed) belongs to.
  int32_t stage_first(int32_t i) const {
    while (i > 0 && (op_flags(static_cast<uint16_t>(i)) & kOpFlagStreamStart) == 0 &&
           op_streamed(i - 1)) {
      --i;
    }
    return i;
  }
  int32_t stage_last(int32_t i) const {
    while (stage_continues(i)) ++i;
    return i;
  }
  // The stage of op `first` ends at op `last`, its input (op first's input0) is read by nothing
  // after it, and the stage geometry lets the stage output at `output_offset` overlap it.
  bool streamed_output_may_overlap(int32_t first, int32_t last) const;
  Status check_streamed_op(uint16_t i, const OpInfo& op);
  Status check_streamed_stages();
  Status check_tensor(uint16_t i);
  Status check_model_io();
  Status check_op(uint16_t i);
  Status check_operands(uint16_t i, const OpInfo& op, const OpRoles& roles, FusedRole fused);
  Status check_fused_role(uint16_t i, const OpInfo& op, FusedRole fused);
  Status check_fused_group(uint16_t project);
  // The op that reads tensor t last, with a fused group's input read until the group's end
  // (the group writes its output row by row while it still reads its input).
  int32_t last_reader(uint16_t t, int32_t produced_by) const;
  Status check_unused_fields(uint16_t i, const OpRoles& roles);
  Status check_window(uint16_t i, const OpInfo& op);
  Status check_shapes(uint16_t i, const OpInfo& op);
  Status check_per_channel_arrays(uint16_t i, const OpInfo& op);
  Status check_add_params(uint16_t i, const OpInfo& op);
  Status check_global_pool_params(uint16_t i, const OpInfo& op);
  Status check_in_place(uint16_t i, const OpInfo& op);
  Status check_activation(uint16_t i, const OpInfo& op, const OpRoles& roles);
  // The version-2 kinds' own parameters (op_parameter_validation.cpp).
  Status check_concat_table(uint16_t i, const OpInfo& op);
  Status check_concat_shapes(uint16_t i, const OpInfo& op);
  Status check_softmax_params(uint16_t i, const OpInfo& op);
  Status check_requantize(uint16_t i, int32_t multiplier, int32_t shift, uint32_t multiplier_field,
                          uint32_t shift_field);
  Status check_mean_params(uint16_t i, const OpInfo& op);
  Status check_view(uint16_t i, const OpInfo& op);
  const uint8_t* pool() const { return data_ + header_.constants_offset; }

  Status check_scratch(uint16_t i, const OpInfo& op);
  Status check_dataflow(uint16_t i, const OpInfo& op);
  Status check_arena_sharing();
  Status check_constant_array(uint16_t i, uint32_t field, uint32_t offset, uint32_t count);

  const uint8_t* data_;
  uint32_t size_;
  ValidationError* error_;
  Header header_{};
  FusedRole fused_role_ = FusedRole::kNone;  // role of the last op checked
  // The patch stage's geometry lets its split output share bytes with the model input.
  bool split_may_overlap_input_ = false;
};

}  // namespace tinynas::runtime::validation
