// Decoding of the model file's records and the validated view over them (model_reader.h).
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime {
namespace validation {

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

}  // namespace validation

using validation::kDimBytes;
using validation::load_f32;
using validation::load_i8;
using validation::load_u8;

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
  info.ring_rows = load_u16(record + tensor_record::kRingRows);
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
  op.softmax_input_multiplier = load_i32(record + op_record::kSoftmaxInputMultiplier);
  op.softmax_input_left_shift = load_i32(record + op_record::kSoftmaxInputLeftShift);
  op.softmax_diff_min = load_i32(record + op_record::kSoftmaxDiffMin);
  op.concat_input_table = load_u32(record + op_record::kConcatInputTable);
  op.concat_input_count = load_i32(record + op_record::kConcatInputCount);
  op.mean_mode = load_u32(record + op_record::kMeanMode);
  op.mean_scale = load_f32(record + op_record::kMeanScale);
  return op;
}

ConcatInputEntry decode_concat_input_entry(const uint8_t* entry) {
  ConcatInputEntry input;
  input.tensor = load_u16(entry + concat_input_entry::kTensor);
  input.requantize = load_u8(entry + concat_input_entry::kRequantize);
  input.reserved = load_u8(entry + concat_input_entry::kReserved);
  input.multiplier = load_i32(entry + concat_input_entry::kMultiplier);
  input.shift = load_i32(entry + concat_input_entry::kShift);
  return input;
}

int32_t op_input_count(const OpInfo& op) {
  if (op.kind == OpKind::kConcatenation) return op.concat_input_count;
  return op.kind == OpKind::kAdd ? 2 : 1;
}

uint16_t op_input(const OpInfo& op, const uint8_t* pool, int32_t k) {
  if (op.kind == OpKind::kConcatenation) {
    return load_u16(pool + op.concat_input_table +
                    static_cast<uint32_t>(k) * kConcatInputEntrySize + concat_input_entry::kTensor);
  }
  return k == 0 ? op.input0 : op.input1;
}

TensorInfo ModelView::tensor(uint16_t index) const {
  return decode_tensor_record(data_ + tensor_table_offset_ + uint32_t{index} * kTensorRecordSize);
}

OpInfo ModelView::op(uint16_t index) const {
  return decode_op_record(data_ + op_table_offset_ + uint32_t{index} * kOpRecordSize);
}

ConcatInputEntry ModelView::concat_input(const OpInfo& op, int32_t k) const {
  return decode_concat_input_entry(constants() + op.concat_input_table +
                                   static_cast<uint32_t>(k) * kConcatInputEntrySize);
}

const int8_t* ModelView::constant_int8(uint32_t pool_offset) const {
  return reinterpret_cast<const int8_t*>(constants() + pool_offset);
}

const int32_t* ModelView::constant_int32(uint32_t pool_offset) const {
  if (pool_offset == kNoOffset) return nullptr;
  // The pool is 16-aligned in a 4-aligned buffer and the offset was checked to be 4-aligned.
  return reinterpret_cast<const int32_t*>(constants() + pool_offset);
}

}  // namespace tinynas::runtime
