#include "engine/runtime/model_reader.h"

#include <string.h>

#include "engine/runtime/crc32.h"
#include "engine/runtime/patch_geometry.h"

namespace tinynas::runtime {
namespace {

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
constexpr int64_t kInt32Max = 2147483647;
constexpr int32_t kMinShift = -31;  // requantize.h: shift in [-31, 30]
constexpr int32_t kMaxShift = 30;
constexpr int32_t kMaxAddInputShift = 0;  // kernels.h: add input shifts in [-31, 0]
constexpr int32_t kMaxLeftShift = 30;     // kernels.h: add left_shift in [0, 30]
constexpr uint32_t kInt32Bytes = 4;
constexpr uint32_t kDataAlignment = 4;  // int32 arrays are read in place
constexpr uint32_t kTableAlignment = 4;
constexpr uint32_t kWeightsAlignment = 4;         // the writer pads weights to 4 bytes
constexpr uint64_t kMaxTensorBytes = 2147483647;  // Shape::elements() is an int32
constexpr uint32_t kReservedHeaderBytes = 12;
constexpr int kDimCount = 4;
constexpr uint32_t kDimBytes = 2;
constexpr uint32_t kWindowFieldsBegin = op_record::kKernelH;  // kernel, stride, padding: 8 x u8
constexpr uint32_t kWindowFieldsEnd = op_record::kBiasOffset;
// |x - zero_point| <= 255 for int8 x and a zero point in [-128, 127]; 256 also bounds the
// partial sums of kernels that add the offset term separately (sum x*w + offset * sum w).
constexpr int64_t kMaxInputMagnitude = 256;
// A requantized value still has an int8 zero point (magnitude <= 128) added to it.
constexpr int64_t kMaxZeroPointMagnitude = 128;
constexpr int64_t kRequantizedLimit = kInt32Max - kMaxZeroPointMagnitude;

constexpr uint32_t kFloatExponentShift = 23;
constexpr uint32_t kFloatExponentMask = 0xFFu;
constexpr uint32_t kFloatSignBit = 0x80000000u;

uint8_t load_u8(const uint8_t* p) { return p[0]; }
int8_t load_i8(const uint8_t* p) { return static_cast<int8_t>(p[0]); }

float load_f32(const uint8_t* p) {
  const uint32_t bits = load_u32(p);
  float value;
  memcpy(&value, &bits, sizeof(value));
  return value;
}

bool is_finite_float_bits(uint32_t bits) {
  return ((bits >> kFloatExponentShift) & kFloatExponentMask) != kFloatExponentMask;
}

uint32_t align_up(uint32_t value, uint32_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

bool ranges_overlap(uint64_t a_begin, uint64_t a_size, uint64_t b_begin, uint64_t b_size) {
  return a_begin < b_begin + b_size && b_begin < a_begin + a_size;
}

bool same_shape(const Shape& a, const Shape& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// Output extent of a sliding window: floor((in + pads - kernel) / stride) + 1, which needs the
// padded input to hold at least one window.
bool window_output_matches(int32_t in, int32_t pad_before, int32_t pad_after, int32_t kernel,
                           int32_t stride, int32_t out) {
  const int32_t padded = in + pad_before + pad_after;
  if (padded < kernel) return false;
  return (padded - kernel) / stride + 1 == out;
}

// |requantize(x)| <= |x| * 2^max(shift, 0) for a Q31 multiplier in [0, 2^31) (the high multiply
// never grows a value and a right shift only shrinks it): the bound of the result, or -1 when
// the left shift would already overflow int32.
int64_t requantized_bound(int64_t bound, int32_t shift) {
  if (shift <= 0) return bound;
  const int64_t shifted = bound << shift;  // bound < 2^31 and shift <= 30: fits int64
  return shifted > kInt32Max ? -1 : shifted;
}

// Which fields an op kind uses.
struct OpRoles {
  bool has_input1;
  bool has_weights;  // and per-channel bias / multiplier / shift arrays
  bool has_window;   // kernel, stride, padding
  bool has_add_params;
  bool has_output_requant;  // output multiplier / shift in the record
};

OpRoles roles_of(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
    case OpKind::kDepthwiseConv2d:
      return {false, true, true, false, false};
    case OpKind::kFullyConnected:
      return {false, true, false, false, false};
    case OpKind::kAdd:
      return {true, false, false, true, true};
    case OpKind::kAveragePool2d:
      return {false, false, true, false, false};
    case OpKind::kGlobalAveragePool:
      return {false, false, false, false, true};
  }
  return {false, false, false, false, false};
}

// Where an op sits in a fused inverted-residual group (kOpFlagFusedRows).
enum class FusedRole : uint8_t { kNone, kExpand, kDepthwise, kProject };

// The role a flagged op takes after an op of role `previous` (a finished group or an unflagged
// op is followed by a new group's expand op).
FusedRole next_fused_role(FusedRole previous) {
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
bool inside_fused_group(FusedRole previous) {
  return previous == FusedRole::kExpand || previous == FusedRole::kDepthwise;
}

// Storage of an op's input0 and output by its place in a fused group: the two tensors inside a
// group are streamed, everything else lives in the arena.
Storage fused_input_storage(FusedRole role) {
  return role == FusedRole::kDepthwise || role == FusedRole::kProject ? Storage::kStreamed
                                                                      : Storage::kArena;
}
Storage fused_output_storage(FusedRole role) {
  return role == FusedRole::kExpand || role == FusedRole::kDepthwise ? Storage::kStreamed
                                                                     : Storage::kArena;
}

constexpr uint32_t kKnownModelFlags = kModelFlagInPlaceDepthwise | kModelFlagFusedRows |
                                      kModelFlagPatchStage | kModelFlagScratchInArena;
constexpr uint32_t kPatchFieldsBegin = header::kPatchGrid;
constexpr uint32_t kArenaScratchFieldsBegin = header::kArenaScratchOffset;
constexpr int32_t kMinPatchGrid = 2;
constexpr uint32_t kKnownOpFlags = kOpFlagInPlace | kOpFlagFusedRows;

struct Header {
  uint32_t magic, file_size, crc;
  uint16_t version, header_size, tensor_count, op_count, input, output;
  uint32_t tensor_table_offset, op_table_offset, constants_offset, constants_size;
  uint32_t arena_size, scratch_size, flags;
  uint16_t patch_grid, patch_split;
  uint32_t arena_scratch_offset, arena_scratch_bytes;
};

Header decode_header(const uint8_t* p) {
  Header h;
  h.magic = load_u32(p + header::kMagic);
  h.version = load_u16(p + header::kVersion);
  h.header_size = load_u16(p + header::kHeaderSizeField);
  h.file_size = load_u32(p + header::kFileSize);
  h.crc = load_u32(p + header::kCrc32);
  h.tensor_count = load_u16(p + header::kTensorCount);
  h.op_count = load_u16(p + header::kOpCount);
  h.tensor_table_offset = load_u32(p + header::kTensorTableOffset);
  h.op_table_offset = load_u32(p + header::kOpTableOffset);
  h.constants_offset = load_u32(p + header::kConstantsOffset);
  h.constants_size = load_u32(p + header::kConstantsSize);
  h.arena_size = load_u32(p + header::kArenaSize);
  h.scratch_size = load_u32(p + header::kScratchSize);
  h.input = load_u16(p + header::kInputTensor);
  h.output = load_u16(p + header::kOutputTensor);
  h.flags = load_u32(p + header::kFlags);
  h.patch_grid = load_u16(p + header::kPatchGrid);
  h.patch_split = load_u16(p + header::kPatchSplit);
  h.arena_scratch_offset = load_u32(p + header::kArenaScratchOffset);
  h.arena_scratch_bytes = load_u32(p + header::kArenaScratchBytes);
  return h;
}

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
  bool op_reads(uint16_t i, uint16_t t) const {
    const uint8_t* record = op_record(i);
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

Status Validator::check_header() {
  if (data_ == nullptr) return fail(Status::kNullArgument, ModelSection::kNone, 0, 0);
  if (reinterpret_cast<uintptr_t>(data_) % kDataAlignment != 0) {
    return fail(Status::kMisaligned, ModelSection::kNone, 0, 0);
  }
  if (size_ < kHeaderSize) return header_error(Status::kTruncated, header::kFileSize);
  header_ = decode_header(data_);
  if (header_.magic != kModelMagic) return header_error(Status::kBadMagic, header::kMagic);
  if (header_.version != kFormatVersion) {
    return header_error(Status::kUnsupportedVersion, header::kVersion);
  }
  if (header_.header_size != kHeaderSize) {
    return header_error(Status::kBadHeader, header::kHeaderSizeField);
  }
  if (header_.file_size > size_) return header_error(Status::kTruncated, header::kFileSize);
  if (header_.file_size < size_) return header_error(Status::kBadHeader, header::kFileSize);
  for (uint32_t b = 0; b < kReservedHeaderBytes; ++b) {
    const uint32_t at = header::kReserved + b;
    const bool patch_field = at >= kPatchFieldsBegin;
    if (patch_field && (header_.flags & kModelFlagPatchStage) != 0) continue;
    const bool scratch_field = at >= kArenaScratchFieldsBegin && at < kPatchFieldsBegin;
    if (scratch_field && (header_.flags & kModelFlagScratchInArena) != 0) continue;
    if (data_[header::kReserved + b] != 0) {
      return header_error(Status::kBadHeader, header::kReserved + b);
    }
  }
  if ((header_.flags & ~kKnownModelFlags) != 0) {
    return header_error(Status::kBadHeader, header::kFlags);
  }
  if (crc32(data_ + kHeaderSize, size_ - kHeaderSize) != header_.crc) {
    return header_error(Status::kChecksumMismatch, header::kCrc32);
  }
  if (header_.tensor_count == 0 || header_.tensor_count > kMaxTensors) {
    return header_error(Status::kBadHeader, header::kTensorCount);
  }
  if (header_.op_count == 0 || header_.op_count > kMaxOps) {
    return header_error(Status::kBadHeader, header::kOpCount);
  }
  Status status = check_table_layout();
  if (status != Status::kOk) return status;
  if ((header_.flags & kModelFlagFusedRows) != 0 && !any_fused_op()) {
    return header_error(Status::kBadHeader, header::kFlags);  // the flag means "has groups"
  }
  status = check_patch_header();
  if (status != Status::kOk) return status;
  status = check_arena_scratch_header();
  if (status != Status::kOk) return status;
  if (header_.arena_size > kMaxTensorBytes) {
    return header_error(Status::kBadHeader, header::kArenaSize);
  }
  if (header_.scratch_size > kMaxTensorBytes) {
    return header_error(Status::kBadHeader, header::kScratchSize);
  }
  if (header_.input >= header_.tensor_count) {
    return header_error(Status::kBadOperandIndex, header::kInputTensor);
  }
  if (header_.output >= header_.tensor_count || header_.output == header_.input) {
    return header_error(Status::kBadOperandIndex, header::kOutputTensor);
  }
  return Status::kOk;
}

// Patch grid and split op count: in range when the header has a patch stage (else zero, which
// the reserved-bytes check has seen to).
Status Validator::check_patch_header() {
  if (!has_patch_stage()) return Status::kOk;
  if (header_.patch_grid < kMinPatchGrid || header_.patch_grid > kMaxPatchGrid) {
    return header_error(Status::kBadPatchStage, header::kPatchGrid);
  }
  const uint32_t max_split = header_.op_count - 1u < static_cast<uint32_t>(kMaxPatchStageOps)
                                 ? header_.op_count - 1u
                                 : static_cast<uint32_t>(kMaxPatchStageOps);
  if (header_.patch_split < 1 || header_.patch_split > max_split) {
    return header_error(Status::kBadPatchStage, header::kPatchSplit);
  }
  return Status::kOk;
}

// Scratch in the arena: a non-empty, aligned region inside the arena, and no caller scratch.
Status Validator::check_arena_scratch_header() {
  if (!scratch_in_arena()) return Status::kOk;
  if (header_.scratch_size != 0) return header_error(Status::kBadHeader, header::kScratchSize);
  if (header_.arena_scratch_offset % kDataAlignment != 0) {
    return header_error(Status::kMisaligned, header::kArenaScratchOffset);
  }
  if (header_.arena_scratch_bytes == 0 ||
      uint64_t{header_.arena_scratch_offset} + header_.arena_scratch_bytes > header_.arena_size) {
    return header_error(Status::kBadHeader, header::kArenaScratchBytes);
  }
  return Status::kOk;
}

// Tables lie inside the file, aligned, disjoint, and in the one canonical order the writer
// produces: header, tensor table, op table, zero padding to 16, constant pool up to the end.
Status Validator::check_table_layout() {
  const uint64_t tensor_bytes = uint64_t{header_.tensor_count} * kTensorRecordSize;
  const uint64_t op_bytes = uint64_t{header_.op_count} * kOpRecordSize;
  struct Table {
    uint64_t offset, size;
    uint32_t field;
  };
  const Table tables[] = {
      {header_.tensor_table_offset, tensor_bytes, header::kTensorTableOffset},
      {header_.op_table_offset, op_bytes, header::kOpTableOffset},
      {header_.constants_offset, header_.constants_size, header::kConstantsOffset},
  };
  const uint32_t alignments[] = {kTableAlignment, kTableAlignment, kConstantPoolAlignment};
  constexpr int kTableCount = 3;
  for (int t = 0; t < kTableCount; ++t) {
    if (tables[t].offset % alignments[t] != 0) {
      return header_error(Status::kMisaligned, tables[t].field);
    }
    if (tables[t].offset < kHeaderSize) return header_error(Status::kBadHeader, tables[t].field);
    if (tables[t].offset + tables[t].size > header_.file_size) {
      return header_error(Status::kTruncated, tables[t].field);
    }
    for (int u = 0; u < t; ++u) {
      if (ranges_overlap(tables[t].offset, tables[t].size, tables[u].offset, tables[u].size)) {
        return header_error(Status::kBadHeader, tables[t].field);
      }
    }
  }
  if (header_.tensor_table_offset != kHeaderSize) {
    return header_error(Status::kBadHeader, header::kTensorTableOffset);
  }
  if (header_.op_table_offset != header_.tensor_table_offset + tensor_bytes) {
    return header_error(Status::kBadHeader, header::kOpTableOffset);
  }
  const uint32_t op_table_end = static_cast<uint32_t>(header_.op_table_offset + op_bytes);
  if (header_.constants_offset != align_up(op_table_end, kConstantPoolAlignment)) {
    return header_error(Status::kBadHeader, header::kConstantsOffset);
  }
  for (uint32_t b = op_table_end; b < header_.constants_offset; ++b) {
    if (data_[b] != 0) return header_error(Status::kBadHeader, header::kConstantsOffset);
  }
  if (uint64_t{header_.constants_offset} + header_.constants_size != header_.file_size) {
    return header_error(Status::kBadHeader, header::kConstantsSize);
  }
  return Status::kOk;
}

Status Validator::check_tensor(uint16_t i) {
  const uint8_t* record = tensor_record(i);
  if (load_u8(record + tensor_record::kDType) != static_cast<uint8_t>(DType::kInt8)) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kDType);
  }
  const uint8_t storage = load_u8(record + tensor_record::kStorage);
  const bool is_streamed = storage == static_cast<uint8_t>(Storage::kStreamed);
  const bool is_patched = storage == static_cast<uint8_t>(Storage::kPatched);
  if (storage != static_cast<uint8_t>(Storage::kArena) &&
      storage != static_cast<uint8_t>(Storage::kConstant) &&
      !(is_streamed && (header_.flags & kModelFlagFusedRows) != 0) &&
      !(is_patched && has_patch_stage())) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kStorage);
  }
  const bool is_constant = storage == static_cast<uint8_t>(Storage::kConstant);
  if (load_u16(record + tensor_record::kReserved0) != 0) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kReserved0);
  }
  uint64_t elements = 1;
  for (int d = 0; d < kDimCount; ++d) {
    const uint32_t field = tensor_record::kDims + kDimBytes * static_cast<uint32_t>(d);
    const uint16_t dim = load_u16(record + field);
    if (dim == 0) return tensor_error(Status::kBadTensor, i, field);
    elements *= dim;
  }
  // Activations are one image (batch 1); constants use N for output channels.
  if (!is_constant && load_u16(record + tensor_record::kDims) != 1) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kDims);
  }
  if (elements > kMaxTensorBytes) return tensor_error(Status::kBadTensor, i, tensor_record::kDims);
  const uint32_t size_bytes = load_u32(record + tensor_record::kSizeBytes);
  if (size_bytes != elements) return tensor_error(Status::kBadTensor, i, tensor_record::kSizeBytes);
  const int32_t zero_point = load_i32(record + tensor_record::kZeroPoint);
  // Weights are symmetric: the kernels never subtract a weight zero point.
  if (zero_point < kInt8Min || zero_point > kInt8Max || (is_constant && zero_point != 0)) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kZeroPoint);
  }
  const uint32_t scale_bits = load_u32(record + tensor_record::kScale);
  const bool scale_ok = is_finite_float_bits(scale_bits) && (scale_bits & kFloatSignBit) == 0 &&
                        (is_constant || scale_bits != 0);
  if (!scale_ok) return tensor_error(Status::kBadTensor, i, tensor_record::kScale);
  const uint32_t patch_region_bytes = load_u32(record + tensor_record::kPatchRegionBytes);
  if (!is_patched && patch_region_bytes != 0) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kReserved1);
  }
  const uint32_t offset = load_u32(record + tensor_record::kOffset);
  if (is_constant) {
    if (offset % kWeightsAlignment != 0) {
      return tensor_error(Status::kMisaligned, i, tensor_record::kOffset);
    }
    if (uint64_t{offset} + size_bytes > header_.constants_size) {
      return tensor_error(Status::kTensorOutOfBounds, i, tensor_record::kOffset);
    }
  } else if (is_streamed) {
    if (offset != 0) return tensor_error(Status::kBadTensor, i, tensor_record::kOffset);
  } else if (is_patched) {
    // Exactly the geometry's region size is checked with the stage (check_patch_stage).
    if (patch_region_bytes == 0 || patch_region_bytes > size_bytes) {
      return tensor_error(Status::kBadPatchStage, i, tensor_record::kPatchRegionBytes);
    }
    if (uint64_t{offset} + patch_region_bytes > header_.arena_size) {
      return tensor_error(Status::kTensorOutOfBounds, i, tensor_record::kOffset);
    }
  } else if (uint64_t{offset} + size_bytes > header_.arena_size) {
    return tensor_error(Status::kTensorOutOfBounds, i, tensor_record::kOffset);
  }
  return Status::kOk;
}

Status Validator::check_model_io() {
  if (tensor(header_.input).storage != Storage::kArena) {
    return header_error(Status::kBadOperandIndex, header::kInputTensor);
  }
  if (tensor(header_.output).storage != Storage::kArena) {
    return header_error(Status::kBadOperandIndex, header::kOutputTensor);
  }
  return Status::kOk;
}

Status Validator::check_op(uint16_t i) {
  const uint8_t* record = op_record(i);
  const uint8_t kind = load_u8(record + op_record::kKind);
  if (kind == 0 || kind >= kOpKindCount) {
    return op_error(Status::kBadOpKind, i, op_record::kKind);
  }
  const OpInfo op = decode_op_record(record);
  const OpRoles roles = roles_of(op.kind);
  if ((op.flags & ~kKnownOpFlags) != 0 ||
      (op.fused_rows() && (header_.flags & kModelFlagFusedRows) == 0)) {
    return op_error(Status::kBadOpParameter, i, op_record::kFlags);
  }
  // Flagged ops form consecutive triples; an unflagged op ends nothing half-done.
  const FusedRole fused = op.fused_rows() ? next_fused_role(fused_role_) : FusedRole::kNone;
  if (!op.fused_rows() && inside_fused_group(fused_role_)) {
    return op_error(Status::kBadFusedGroup, i, op_record::kFlags);
  }
  fused_role_ = fused;
  if (op.activation_min > op.activation_max) {
    return op_error(Status::kBadOpParameter, i, op_record::kActivationMax);
  }
  Status status = check_patch_op(i, op);
  if (status == Status::kOk) status = check_operands(i, op, roles, fused);
  if (status == Status::kOk) status = check_fused_role(i, op, fused);
  if (status == Status::kOk) status = check_unused_fields(i, roles);
  if (status == Status::kOk && roles.has_window) status = check_window(i, op);
  if (status == Status::kOk) status = check_shapes(i, op);
  if (status == Status::kOk && roles.has_weights) status = check_per_channel_arrays(i, op);
  if (status == Status::kOk && roles.has_add_params) status = check_add_params(i, op);
  if (status == Status::kOk && op.kind == OpKind::kGlobalAveragePool) {
    status = check_global_pool_params(i, op);
  }
  if (status == Status::kOk) status = check_in_place(i, op);
  if (status == Status::kOk) status = check_scratch(i, op);
  if (status == Status::kOk) status = check_dataflow(i, op);
  if (status == Status::kOk && fused == FusedRole::kProject) status = check_fused_group(i);
  return status;
}

Status Validator::check_operands(uint16_t i, const OpInfo& op, const OpRoles& roles,
                                 FusedRole fused) {
  struct Operand {
    uint16_t index;
    uint32_t field;
    bool used;
    Storage storage;
  };
  const Operand operands[] = {
      {op.input0, op_record::kInput0, true, expected_input_storage(i, op.input0, fused)},
      {op.input1, op_record::kInput1, roles.has_input1,
       expected_input_storage(i, op.input1, FusedRole::kNone)},
      {op.weights, op_record::kWeights, roles.has_weights, Storage::kConstant},
      {op.output, op_record::kOutput, true, expected_output_storage(i, fused)},
  };
  for (const Operand& operand : operands) {
    if (!operand.used) {
      if (operand.index != kNoTensor) return op_error(Status::kBadOperandIndex, i, operand.field);
      continue;
    }
    if (operand.index >= header_.tensor_count) {
      return op_error(Status::kBadOperandIndex, i, operand.field);
    }
    const Storage storage = tensor(operand.index).storage;
    if (storage == operand.storage) continue;
    // A streamed tensor where an arena one belongs (or the reverse) breaks a fused group; a
    // patched one (or an arena one inside the stage) breaks the patch stage.
    const bool streamed_mixup =
        storage == Storage::kStreamed || operand.storage == Storage::kStreamed;
    const bool patched_mixup = storage == Storage::kPatched || operand.storage == Storage::kPatched;
    const Status status = patched_mixup    ? Status::kBadPatchStage
                          : streamed_mixup ? Status::kBadFusedGroup
                                           : Status::kBadOperandIndex;
    return op_error(status, i, operand.field);
  }
  if (op.output == op.input0 || (roles.has_input1 && op.output == op.input1)) {
    return op_error(Status::kBadOperandIndex, i, op_record::kOutput);
  }
  return Status::kOk;
}

// Inside the patch stage an op reads the model input (whole in the arena) or an earlier stage
// op's region (kPatched) and writes a region, except the split op, which writes its part of the
// whole split output. No other op touches a patched tensor.
Storage Validator::expected_input_storage(uint16_t i, uint16_t tensor, FusedRole fused) const {
  if (in_patch_stage(i)) return tensor == header_.input ? Storage::kArena : Storage::kPatched;
  return fused_input_storage(fused);
}

Storage Validator::expected_output_storage(uint16_t i, FusedRole fused) const {
  if (in_patch_stage(i) && i + 1 < header_.patch_split) return Storage::kPatched;
  return fused_output_storage(fused);
}

// An op of the patch stage is a convolution, depthwise convolution or add (the kinds the patch
// executor runs on regions), neither in place nor fused.
Status Validator::check_patch_op(uint16_t i, const OpInfo& op) {
  if (!in_patch_stage(i)) return Status::kOk;
  if (op.kind != OpKind::kConv2d && op.kind != OpKind::kDepthwiseConv2d &&
      op.kind != OpKind::kAdd) {
    return op_error(Status::kBadPatchStage, i, op_record::kKind);
  }
  if (op.flags != 0) return op_error(Status::kBadPatchStage, i, op_record::kFlags);
  return Status::kOk;
}

// The stage as a whole, once every op has passed its own checks: every patch's tile is
// non-empty, each patched tensor's region bytes are exactly the largest region the geometry
// gives it, and each op's scratch holds its largest gathered window.
Status Validator::check_patch_stage() {
  if (!has_patch_stage()) return Status::kOk;
  struct Records {
    const Validator* validator;
    OpInfo op(uint16_t k) const { return decode_op_record(validator->op_record(k)); }
    TensorInfo tensor(uint16_t t) const { return validator->tensor(t); }
  };
  const Records records{this};
  PatchStageOp ops[kMaxPatchStageOps];
  PatchStage stage;
  uint16_t bad_op = 0;
  if (!describe_patch_stage(records, header_.input, header_.patch_split, header_.patch_grid, ops,
                            &stage, &bad_op)) {
    return op_error(Status::kBadPatchStage, bad_op, op_record::kInput0);
  }
  const Shape split_output = stage.split_output();
  if (split_output.h < stage.grid || split_output.w < stage.grid) {
    return header_error(Status::kBadPatchStage, header::kPatchGrid);
  }
  PatchStageNeeds needs;
  patch_stage_needs(stage, &needs);
  for (uint16_t k = 0; k < header_.patch_split; ++k) {
    const OpInfo op = records.op(k);
    if (op.scratch_bytes < needs.op_scratch[k]) {
      return op_error(Status::kBadPatchStage, k, op_record::kScratchBytes);
    }
    if (k + 1 == header_.patch_split) continue;  // the split output is whole
    if (tensor(op.output).patch_region_bytes != needs.region_bytes[k + 1]) {
      return tensor_error(Status::kBadPatchStage, op.output, tensor_record::kPatchRegionBytes);
    }
  }
  split_may_overlap_input_ = split_output_may_overlap_input(
      stage, tensor(header_.input).offset,
      tensor(op_output(static_cast<uint16_t>(header_.patch_split - 1))).offset);
  return Status::kOk;
}

// Fields an op kind does not use must hold their "none" value, so every byte of a valid record
// has one meaning (and a later format version can give them one).
Status Validator::check_unused_fields(uint16_t i, const OpRoles& roles) {
  const uint8_t* record = op_record(i);
  if (!roles.has_window) {
    for (uint32_t field = kWindowFieldsBegin; field < kWindowFieldsEnd; ++field) {
      if (record[field] != 0) return op_error(Status::kBadOpParameter, i, field);
    }
  }
  if (!roles.has_weights) {
    const uint32_t offset_fields[] = {op_record::kBiasOffset, op_record::kMultiplierOffset,
                                      op_record::kShiftOffset};
    for (uint32_t field : offset_fields) {
      if (load_u32(record + field) != kNoOffset) {
        return op_error(Status::kBadOpParameter, i, field);
      }
    }
  }
  if (!roles.has_add_params) {
    const uint32_t add_fields[] = {op_record::kInput0Multiplier, op_record::kInput0Shift,
                                   op_record::kInput1Multiplier, op_record::kInput1Shift,
                                   op_record::kLeftShift};
    for (uint32_t field : add_fields) {
      if (load_u32(record + field) != 0) return op_error(Status::kBadOpParameter, i, field);
    }
  }
  if (!roles.has_output_requant) {
    const uint32_t requant_fields[] = {op_record::kOutputMultiplier, op_record::kOutputShift};
    for (uint32_t field : requant_fields) {
      if (load_u32(record + field) != 0) return op_error(Status::kBadOpParameter, i, field);
    }
  }
  return Status::kOk;
}

Status Validator::check_window(uint16_t i, const OpInfo& op) {
  if (op.kernel_h < 1 || op.kernel_h > kMaxKernelSize) {
    return op_error(Status::kBadOpParameter, i, op_record::kKernelH);
  }
  if (op.kernel_w < 1 || op.kernel_w > kMaxKernelSize) {
    return op_error(Status::kBadOpParameter, i, op_record::kKernelW);
  }
  if (op.stride_h < 1 || op.stride_h > kMaxStride) {
    return op_error(Status::kBadOpParameter, i, op_record::kStrideH);
  }
  if (op.stride_w < 1 || op.stride_w > kMaxStride) {
    return op_error(Status::kBadOpParameter, i, op_record::kStrideW);
  }
  if (op.pad_top >= op.kernel_h) return op_error(Status::kBadOpParameter, i, op_record::kPadTop);
  if (op.pad_left >= op.kernel_w) return op_error(Status::kBadOpParameter, i, op_record::kPadLeft);
  if (op.pad_bottom >= op.kernel_h) {
    return op_error(Status::kBadOpParameter, i, op_record::kPadBottom);
  }
  if (op.pad_right >= op.kernel_w) {
    return op_error(Status::kBadOpParameter, i, op_record::kPadRight);
  }
  return Status::kOk;
}

Status Validator::check_shapes(uint16_t i, const OpInfo& op) {
  const TensorInfo in = tensor(op.input0);
  const TensorInfo out = tensor(op.output);
  // Only for kinds with a window: check_window() has made kernel and stride >= 1. Evaluated on
  // demand, never for window-less kinds (whose stride fields are 0).
  bool spatial_ok = false;
  if (roles_of(op.kind).has_window && op.stride_h >= 1 && op.stride_w >= 1) {
    spatial_ok = window_output_matches(in.shape.h, op.pad_top, op.pad_bottom, op.kernel_h,
                                       op.stride_h, out.shape.h) &&
                 window_output_matches(in.shape.w, op.pad_left, op.pad_right, op.kernel_w,
                                       op.stride_w, out.shape.w);
  }
  switch (op.kind) {
    case OpKind::kConv2d: {
      const Shape w = tensor(op.weights).shape;
      if (w.h != op.kernel_h || w.w != op.kernel_w || w.c != in.shape.c) {
        return op_error(Status::kShapeMismatch, i, op_record::kWeights);
      }
      if (out.shape.c != w.n || !spatial_ok) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    }
    case OpKind::kDepthwiseConv2d: {
      const Shape w = tensor(op.weights).shape;
      if (w.n != 1 || w.h != op.kernel_h || w.w != op.kernel_w || w.c != in.shape.c) {
        return op_error(Status::kShapeMismatch, i, op_record::kWeights);
      }
      if (out.shape.c != in.shape.c || !spatial_ok) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    }
    case OpKind::kFullyConnected: {
      const Shape w = tensor(op.weights).shape;
      const int64_t depth = int64_t{in.shape.h} * in.shape.w * in.shape.c;
      if (w.h != 1 || w.w != 1 || w.c != depth) {
        return op_error(Status::kShapeMismatch, i, op_record::kWeights);
      }
      if (out.shape.h != 1 || out.shape.w != 1 || out.shape.c != w.n) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    }
    case OpKind::kAdd:
      if (!same_shape(tensor(op.input1).shape, in.shape)) {
        return op_error(Status::kShapeMismatch, i, op_record::kInput1);
      }
      if (!same_shape(out.shape, in.shape)) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kAveragePool2d:
      if (out.shape.c != in.shape.c || !spatial_ok) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      // avgpool_s8 has no requantization: input and output must share the quantization.
      if (out.zero_point != in.zero_point) {
        return op_error(Status::kBadOpParameter, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kGlobalAveragePool:
      if (out.shape.h != 1 || out.shape.w != 1 || out.shape.c != in.shape.c) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
  }
  return op_error(Status::kBadOpKind, i, op_record::kKind);
}

Status Validator::check_constant_array(uint16_t i, uint32_t field, uint32_t offset,
                                       uint32_t count) {
  if (offset % kInt32Bytes != 0) return op_error(Status::kMisaligned, i, field);
  if (uint64_t{offset} + uint64_t{count} * kInt32Bytes > header_.constants_size) {
    return op_error(Status::kConstantOutOfBounds, i, field);
  }
  return Status::kOk;
}

// Bias, multiplier and shift arrays, and the worst case of every int32 the kernel computes for
// them: |acc| <= |bias| + 256 * sum|w| for any input, then the requantization's left shift.
Status Validator::check_per_channel_arrays(uint16_t i, const OpInfo& op) {
  const TensorInfo out = tensor(op.output);
  const TensorInfo weights = tensor(op.weights);
  const uint32_t channels = static_cast<uint32_t>(out.shape.c);
  Status status = Status::kOk;
  if (op.bias_offset != kNoOffset) {
    status = check_constant_array(i, op_record::kBiasOffset, op.bias_offset, channels);
    if (status != Status::kOk) return status;
  }
  status = check_constant_array(i, op_record::kMultiplierOffset, op.multiplier_offset, channels);
  if (status != Status::kOk) return status;
  status = check_constant_array(i, op_record::kShiftOffset, op.shift_offset, channels);
  if (status != Status::kOk) return status;

  const uint8_t* pool = data_ + header_.constants_offset;
  const int8_t* w = reinterpret_cast<const int8_t*>(pool + weights.offset);
  // Taps of one output channel: contiguous for conv (OHWI) and fully connected (O x K);
  // interleaved over channels for depthwise (1, KH, KW, C).
  const bool depthwise = op.kind == OpKind::kDepthwiseConv2d;
  const uint32_t taps = weights.size_bytes / channels;  // shapes were checked: exact
  for (uint32_t c = 0; c < channels; ++c) {
    const int32_t multiplier = load_i32(pool + op.multiplier_offset + c * kInt32Bytes);
    if (multiplier < 0) return op_error(Status::kBadOpParameter, i, op_record::kMultiplierOffset);
    const int32_t shift = load_i32(pool + op.shift_offset + c * kInt32Bytes);
    if (shift < kMinShift || shift > kMaxShift) {
      return op_error(Status::kBadOpParameter, i, op_record::kShiftOffset);
    }
    int64_t weight_sum = 0;
    for (uint32_t t = 0; t < taps; ++t) {
      const int32_t value = depthwise ? w[t * channels + c] : w[c * taps + t];
      weight_sum += value < 0 ? -int64_t{value} : value;
    }
    int64_t bias = 0;
    if (op.bias_offset != kNoOffset) bias = load_i32(pool + op.bias_offset + c * kInt32Bytes);
    const int64_t accumulator = (bias < 0 ? -bias : bias) + kMaxInputMagnitude * weight_sum;
    if (accumulator > kRequantizedLimit) {
      return op_error(Status::kBadOpParameter, i, op_record::kWeights);
    }
    const int64_t requantized = requantized_bound(accumulator, shift);
    if (requantized < 0 || requantized > kRequantizedLimit) {
      return op_error(Status::kBadOpParameter, i, op_record::kShiftOffset);
    }
  }
  return Status::kOk;
}

// TFLite ADD: each input (x - zp) << left_shift, scaled by its multiplier, summed, requantized.
Status Validator::check_add_params(uint16_t i, const OpInfo& op) {
  if (op.left_shift < 0 || op.left_shift > kMaxLeftShift) {
    return op_error(Status::kBadOpParameter, i, op_record::kLeftShift);
  }
  struct Input {
    int32_t multiplier, shift;
    uint32_t multiplier_field, shift_field;
  };
  const Input inputs[] = {
      {op.input0_multiplier, op.input0_shift, op_record::kInput0Multiplier,
       op_record::kInput0Shift},
      {op.input1_multiplier, op.input1_shift, op_record::kInput1Multiplier,
       op_record::kInput1Shift},
  };
  const int64_t shifted = kMaxInputMagnitude << op.left_shift;
  if (shifted > kInt32Max) return op_error(Status::kBadOpParameter, i, op_record::kLeftShift);
  int64_t sum = 0;
  for (const Input& input : inputs) {
    if (input.multiplier < 0) return op_error(Status::kBadOpParameter, i, input.multiplier_field);
    if (input.shift < kMinShift || input.shift > kMaxAddInputShift) {
      return op_error(Status::kBadOpParameter, i, input.shift_field);
    }
    sum += requantized_bound(shifted, input.shift);
  }
  if (sum > kInt32Max) return op_error(Status::kBadOpParameter, i, op_record::kLeftShift);
  if (op.output_multiplier < 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutputMultiplier);
  }
  if (op.output_shift < kMinShift || op.output_shift > kMaxShift) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
  }
  const int64_t requantized = requantized_bound(sum, op.output_shift);
  if (requantized < 0 || requantized > kRequantizedLimit) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
  }
  return Status::kOk;
}

Status Validator::check_global_pool_params(uint16_t i, const OpInfo& op) {
  if (op.output_multiplier < 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutputMultiplier);
  }
  if (op.output_shift < kMinShift || op.output_shift > kMaxShift) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
  }
  const Shape in = tensor(op.input0).shape;
  const int64_t sum = kMaxInputMagnitude * in.h * in.w;
  if (sum > kRequantizedLimit) return op_error(Status::kShapeMismatch, i, op_record::kInput0);
  const int64_t requantized = requantized_bound(sum, op.output_shift);
  if (requantized < 0 || requantized > kRequantizedLimit) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
  }
  return Status::kOk;
}

// In place: depthwise only, the output starts where the input starts and is no larger in either
// spatial dimension (what depthwise_conv2d_s8_in_place relies on), and the header says so.
Status Validator::check_in_place(uint16_t i, const OpInfo& op) {
  if (!op.in_place()) return Status::kOk;
  if (op.kind != OpKind::kDepthwiseConv2d || (header_.flags & kModelFlagInPlaceDepthwise) == 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kFlags);
  }
  const TensorInfo in = tensor(op.input0);
  const TensorInfo out = tensor(op.output);
  if (out.offset != in.offset || out.shape.h > in.shape.h || out.shape.w > in.shape.w) {
    return op_error(Status::kBadOpParameter, i, op_record::kFlags);
  }
  return Status::kOk;
}

// Each op of a fused group on its own (check_op has seen the model's fused flag and
// check_operands the storages): the expand and project ops are pointwise convs, the depthwise op
// is not also in place, and the second and third op read the previous op's output.
Status Validator::check_fused_role(uint16_t i, const OpInfo& op, FusedRole fused) {
  if (fused == FusedRole::kNone) return Status::kOk;
  if (op.in_place()) return op_error(Status::kBadFusedGroup, i, op_record::kFlags);
  const bool pointwise_role = fused == FusedRole::kExpand || fused == FusedRole::kProject;
  const bool kind_ok = pointwise_role ? is_pointwise_conv(op) : op.kind == OpKind::kDepthwiseConv2d;
  if (!kind_ok) return op_error(Status::kBadFusedGroup, i, op_record::kKind);
  if (fused != FusedRole::kExpand && op.input0 != op_output(static_cast<uint16_t>(i - 1))) {
    return op_error(Status::kBadFusedGroup, i, op_record::kInput0);
  }
  return Status::kOk;
}

// The whole group, once its last op has passed its own checks: the ring the kernel needs fits
// an int32 and the expand op's scratch (which check_scratch bounded by the header's).
Status Validator::check_fused_group(uint16_t project) {
  const uint16_t expand = static_cast<uint16_t>(project - 2);
  const OpInfo expand_op = decode_op_record(op_record(expand));
  const OpInfo depthwise_op = decode_op_record(op_record(static_cast<uint16_t>(project - 1)));
  const int32_t need = fused_group_scratch_bytes(
      tensor(depthwise_op.input0), tensor(depthwise_op.weights), tensor(depthwise_op.output));
  if (static_cast<uint64_t>(need) >= kMaxTensorBytes ||
      expand_op.scratch_bytes < static_cast<uint32_t>(need)) {
    return op_error(Status::kBadOpParameter, expand, op_record::kScratchBytes);
  }
  return Status::kOk;
}

int32_t Validator::last_reader(uint16_t t, int32_t produced_by) const {
  int32_t last = produced_by;
  FusedRole role = FusedRole::kNone;
  for (int32_t k = 0; k < header_.op_count; ++k) {
    const bool fused =
        (load_u8(op_record(static_cast<uint16_t>(k)) + op_record::kFlags) & kOpFlagFusedRows) != 0;
    role = fused ? next_fused_role(role) : FusedRole::kNone;
    if (k <= produced_by || !op_reads(static_cast<uint16_t>(k), t)) continue;
    last = role == FusedRole::kExpand ? k + kFusedGroupOpCount - 1 : k;
  }
  return last;
}

Status Validator::check_scratch(uint16_t i, const OpInfo& op) {
  if (op.scratch_bytes > scratch_capacity()) {
    return op_error(Status::kBadOpParameter, i, op_record::kScratchBytes);
  }
  if (op.kind == OpKind::kConv2d || op.kind == OpKind::kDepthwiseConv2d) {
    const int32_t need = kernel_scratch_bytes(op, tensor(op.input0), tensor(op.weights));
    if (need > 0 && op.scratch_bytes < static_cast<uint32_t>(need)) {
      return op_error(Status::kBadOpParameter, i, op_record::kScratchBytes);
    }
  }
  return Status::kOk;
}

// Ops run in file order: every input exists when the op starts, every tensor is written once.
Status Validator::check_dataflow(uint16_t i, const OpInfo& op) {
  if (!produced_before(op.input0, i))
    return op_error(Status::kBadOperandIndex, i, op_record::kInput0);
  if (op.input1 != kNoTensor && !produced_before(op.input1, i)) {
    return op_error(Status::kBadOperandIndex, i, op_record::kInput1);
  }
  if (produced_before(op.output, i))
    return op_error(Status::kBadOperandIndex, i, op_record::kOutput);
  return Status::kOk;
}

// Two tensors whose lifetimes overlap share no arena byte. A tensor t lives from the op that
// produces it (the model input: from the start) to its last reader (the model output: to the
// end); every op i in (producer, last reader] writes its output while t is live, so that output
// must miss t — unless t dies at op i and the kernel may overwrite it: the in-place depthwise
// input (same start), or an add input covering exactly the output's bytes. One pass per tensor
// finds its last reader, so the whole check is O(ops^2). The error names the earliest op whose
// output overlaps a live tensor.
Status Validator::check_arena_sharing() {
  const int32_t op_count = header_.op_count;
  int32_t first_bad_op = op_count;
  // The patch stage repeats ops [0, split) once per patch: the model input is read, and the
  // split output written, until the stage's last op of the last patch, so both are live through
  // the whole stage; a patched tensor's region lives within one patch, like a tensor of a plain
  // schedule.
  const int32_t patch_split = has_patch_stage() ? header_.patch_split : 0;
  const int32_t split_output =
      patch_split > 0 ? op_output(static_cast<uint16_t>(patch_split - 1)) : -1;
  for (int32_t j = -1; j < op_count; ++j) {
    // The tensor made by op j (j == -1: the model input).
    const uint16_t t = j < 0 ? header_.input : op_output(static_cast<uint16_t>(j));
    const TensorInfo live = tensor(t);
    if (live.storage == Storage::kStreamed) continue;  // no arena bytes
    const bool model_output = t == header_.output;
    int32_t last = last_reader(t, j);
    if (model_output) last = op_count - 1;
    // The split output may be written over the model input's dead rows when nothing after the
    // stage reads the input and the geometry says the rows are dead (split_may_overlap_input_).
    const bool input_dies_in_stage = j < 0 && patch_split > 0 && last <= patch_split - 1;
    if (j < 0 && last < patch_split - 1) last = patch_split - 1;
    const int32_t first_writer = t == split_output ? 0 : j + 1;
    for (int32_t i = first_writer; i <= last && i < first_bad_op; ++i) {
      const OpInfo op = decode_op_record(op_record(static_cast<uint16_t>(i)));
      if (op.output == t) continue;  // the split op writing its own output
      const TensorInfo out = tensor(op.output);
      if (out.storage == Storage::kStreamed) continue;
      if (!ranges_overlap(out.offset, out.arena_bytes(), live.offset, live.arena_bytes())) {
        continue;
      }
      if (input_dies_in_stage && op.output == split_output && split_may_overlap_input_) continue;
      const bool dies_here = i == last && !model_output;  // op `last` reads t
      const bool in_place_input = op.in_place() && op.input0 == t;
      // (Not inside the patch stage: there an add's input and output regions need not have
      // the same shape, so sharing bytes would mix up pixels.)
      const bool add_alias = op.kind == OpKind::kAdd && !in_patch_stage(static_cast<uint16_t>(i)) &&
                             live.offset == out.offset && live.size_bytes == out.size_bytes;
      if (!(dies_here && (in_place_input || add_alias))) first_bad_op = i;
    }
  }
  if (first_bad_op < op_count) {
    return op_error(Status::kArenaOverlap, static_cast<uint16_t>(first_bad_op), op_record::kOutput);
  }
  return Status::kOk;
}

// Scratch in the arena: while an op runs, the part of the scratch region it uses shares no byte
// with a tensor that is live then. A tensor made by op j is live from j (a fused group's output
// from the group's expand op, the split output from op 0: they are written from there on) to its
// last reader (as in check_arena_sharing). O(op_count^2), like that check.
Status Validator::check_arena_scratch_sharing() {
  if (!scratch_in_arena()) return Status::kOk;
  const int32_t op_count = header_.op_count;
  const int32_t patch_split = has_patch_stage() ? header_.patch_split : 0;
  int32_t first_bad_op = op_count;
  for (int32_t j = -1; j < op_count; ++j) {
    const uint16_t t = j < 0 ? header_.input : op_output(static_cast<uint16_t>(j));
    const TensorInfo live = tensor(t);
    if (live.storage == Storage::kStreamed) continue;
    int32_t birth = j < 0 ? 0 : j;
    if (patch_split > 0 && j == patch_split - 1) birth = 0;
    if (j >= kFusedGroupOpCount - 1) {
      const OpInfo op = decode_op_record(op_record(static_cast<uint16_t>(j)));
      if (op.fused_rows()) birth = j - (kFusedGroupOpCount - 1);  // only the project op's
    }                                                             // output is in the arena
    int32_t last = t == header_.output ? op_count - 1 : last_reader(t, j);
    if (j < 0 && last < patch_split - 1) last = patch_split - 1;
    for (int32_t i = birth; i <= last && i < first_bad_op; ++i) {
      const uint32_t used = decode_op_record(op_record(static_cast<uint16_t>(i))).scratch_bytes;
      if (used == 0) continue;
      if (ranges_overlap(header_.arena_scratch_offset, used, live.offset, live.arena_bytes())) {
        first_bad_op = i;
      }
    }
  }
  if (first_bad_op < op_count) {
    return op_error(Status::kArenaOverlap, static_cast<uint16_t>(first_bad_op),
                    op_record::kScratchBytes);
  }
  return Status::kOk;
}

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

TensorInfo decode_tensor_record(const uint8_t* record) {
  TensorInfo info;
  info.dtype = static_cast<DType>(load_u8(record + tensor_record::kDType));
  info.storage = static_cast<Storage>(load_u8(record + tensor_record::kStorage));
  info.shape.n = load_u16(record + tensor_record::kDims);
  info.shape.h = load_u16(record + tensor_record::kDims + kDimBytes);
  info.shape.w = load_u16(record + tensor_record::kDims + 2 * kDimBytes);
  info.shape.c = load_u16(record + tensor_record::kDims + 3 * kDimBytes);
  info.offset = load_u32(record + tensor_record::kOffset);
  info.size_bytes = load_u32(record + tensor_record::kSizeBytes);
  info.zero_point = load_i32(record + tensor_record::kZeroPoint);
  info.scale = load_f32(record + tensor_record::kScale);
  info.patch_region_bytes = load_u32(record + tensor_record::kPatchRegionBytes);
  return info;
}

OpInfo decode_op_record(const uint8_t* record) {
  OpInfo op;
  op.kind = static_cast<OpKind>(load_u8(record + op_record::kKind));
  op.flags = load_u8(record + op_record::kFlags);
  op.activation_min = load_i8(record + op_record::kActivationMin);
  op.activation_max = load_i8(record + op_record::kActivationMax);
  op.input0 = load_u16(record + op_record::kInput0);
  op.input1 = load_u16(record + op_record::kInput1);
  op.weights = load_u16(record + op_record::kWeights);
  op.output = load_u16(record + op_record::kOutput);
  op.kernel_h = load_u8(record + op_record::kKernelH);
  op.kernel_w = load_u8(record + op_record::kKernelW);
  op.stride_h = load_u8(record + op_record::kStrideH);
  op.stride_w = load_u8(record + op_record::kStrideW);
  op.pad_top = load_u8(record + op_record::kPadTop);
  op.pad_left = load_u8(record + op_record::kPadLeft);
  op.pad_bottom = load_u8(record + op_record::kPadBottom);
  op.pad_right = load_u8(record + op_record::kPadRight);
  op.bias_offset = load_u32(record + op_record::kBiasOffset);
  op.multiplier_offset = load_u32(record + op_record::kMultiplierOffset);
  op.shift_offset = load_u32(record + op_record::kShiftOffset);
  op.input0_multiplier = load_i32(record + op_record::kInput0Multiplier);
  op.input0_shift = load_i32(record + op_record::kInput0Shift);
  op.input1_multiplier = load_i32(record + op_record::kInput1Multiplier);
  op.input1_shift = load_i32(record + op_record::kInput1Shift);
  op.output_multiplier = load_i32(record + op_record::kOutputMultiplier);
  op.output_shift = load_i32(record + op_record::kOutputShift);
  op.left_shift = load_i32(record + op_record::kLeftShift);
  op.scratch_bytes = load_u32(record + op_record::kScratchBytes);
  return op;
}

bool is_pointwise_conv(const OpInfo& op) {
  return op.kind == OpKind::kConv2d && op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 &&
         op.stride_w == 1 && op.pad_top == 0 && op.pad_left == 0 && op.pad_bottom == 0 &&
         op.pad_right == 0;
}

int32_t kernel_scratch_bytes(const OpInfo& op, const TensorInfo& input, const TensorInfo& weights) {
  switch (op.kind) {
    case OpKind::kConv2d:
      return is_pointwise_conv(op) ? conv2d_1x1_s8_get_buffer_size(input.shape, weights.shape)
                                   : conv2d_s8_get_buffer_size(input.shape, weights.shape);
    case OpKind::kDepthwiseConv2d:
      return op.in_place()
                 ? depthwise_conv2d_s8_in_place_get_buffer_size(input.shape, weights.shape)
                 : depthwise_conv2d_s8_get_buffer_size(input.shape, weights.shape);
    case OpKind::kAdd:
    case OpKind::kAveragePool2d:
    case OpKind::kGlobalAveragePool:
    case OpKind::kFullyConnected:
      return 0;
  }
  return 0;
}

int32_t fused_group_scratch_bytes(const TensorInfo& expanded, const TensorInfo& depthwise_weights,
                                  const TensorInfo& depthwise_output) {
  return inverted_residual_rows_s8_get_buffer_size(expanded.shape, depthwise_weights.shape,
                                                   depthwise_output.shape);
}

TensorInfo ModelView::tensor(uint16_t index) const {
  return decode_tensor_record(data_ + tensor_table_offset_ + uint32_t{index} * kTensorRecordSize);
}

OpInfo ModelView::op(uint16_t index) const {
  return decode_op_record(data_ + op_table_offset_ + uint32_t{index} * kOpRecordSize);
}

const int8_t* ModelView::constant_int8(uint32_t pool_offset) const {
  return reinterpret_cast<const int8_t*>(constants() + pool_offset);
}

const int32_t* ModelView::constant_int32(uint32_t pool_offset) const {
  if (pool_offset == kNoOffset) return nullptr;
  // The pool is 16-aligned in a 4-aligned buffer and the offset was checked to be 4-aligned.
  return reinterpret_cast<const int32_t*>(constants() + pool_offset);
}

Status validate_model(const uint8_t* data, uint32_t size, ModelView* out, ValidationError* error) {
  if (out != nullptr) *out = ModelView();
  if (error != nullptr) *error = ValidationError();
  Validator validator(data, size, error);
  const Status status = validator.run();
  if (status != Status::kOk || out == nullptr) return status;
  const Header& h = validator.header();
  out->data_ = data;
  out->size_ = size;
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
    if (error.section == ModelSection::kTensorTable || error.section == ModelSection::kOpTable) {
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
