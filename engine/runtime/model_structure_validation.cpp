// The model file as a whole: header fields, the tables' layout, every tensor record, and the
// model input and output (model_validator.h).
#include "engine/runtime/crc32.h"
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime::validation {

Status Validator::check_header() {
  if (data_ == nullptr) return fail(Status::kNullArgument, ModelSection::kNone, 0, 0);
  if (reinterpret_cast<uintptr_t>(data_) % kDataAlignment != 0) {
    return fail(Status::kMisaligned, ModelSection::kNone, 0, 0);
  }
  if (size_ < kHeaderSize) return header_error(Status::kTruncated, header::kFileSize);
  header_ = decode_header(data_);
  if (header_.magic != kModelMagic) return header_error(Status::kBadMagic, header::kMagic);
  if (header_.version < kOldestFormatVersion || header_.version > kFormatVersion) {
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
  const uint32_t known_flags = version1()             ? kVersion1ModelFlags
                               : header_.version == 2 ? kVersion2ModelFlags
                                                      : kVersion3ModelFlags;
  if ((header_.flags & ~known_flags) != 0) {
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
  // A training section (checked by validate_training) follows the pool's next 16-byte boundary.
  const uint64_t constants_end = uint64_t{header_.constants_offset} + header_.constants_size;
  const bool training = (header_.flags & kModelFlagTraining) != 0;
  if (training ? align_up64(constants_end, kConstantPoolAlignment) >= header_.file_size
               : constants_end != header_.file_size) {
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
  const bool is_ring = storage == static_cast<uint8_t>(Storage::kRing);
  if (storage != static_cast<uint8_t>(Storage::kArena) &&
      storage != static_cast<uint8_t>(Storage::kConstant) &&
      !(is_streamed && (header_.flags & kModelFlagFusedRows) != 0) &&
      !(is_patched && has_patch_stage()) && !(is_ring && has_streamed_stages())) {
    return tensor_error(Status::kBadTensor, i, tensor_record::kStorage);
  }
  const bool is_constant = storage == static_cast<uint8_t>(Storage::kConstant);
  const uint16_t ring_rows = load_u16(record + tensor_record::kRingRows);
  if (!is_ring && ring_rows != 0) {
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
  } else if (is_ring) {
    // At least one row, at most the tensor's; enough for its readers: check_streamed_stages.
    const uint16_t height = load_u16(record + tensor_record::kDims + kDimBytes);
    if (ring_rows == 0 || ring_rows > height) {
      return tensor_error(Status::kBadStreamedStage, i, tensor_record::kRingRows);
    }
    const uint64_t row_bytes = uint64_t{size_bytes} / height;
    if (uint64_t{offset} + ring_rows * row_bytes > header_.arena_size) {
      return tensor_error(Status::kTensorOutOfBounds, i, tensor_record::kOffset);
    }
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

}  // namespace tinynas::runtime::validation
