// Streamed stages (kOpFlagStreamed): which ops may stream, the stage's op range, and its
// geometry as a whole (ring rows and gather scratch against StreamedRowOrder; model_validator.h).
#include "engine/runtime/model_validator.h"
#include "engine/runtime/streamed_geometry.h"

namespace tinynas::runtime::validation {
namespace {

bool can_stream(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d || kind == OpKind::kAdd ||
         kind == OpKind::kAveragePool2d || kind == OpKind::kMaxPool2d;
}

// The validator's records as describe_streamed_stage reads them.
struct Records {
  const uint8_t* op_table;
  const uint8_t* tensor_table;
  OpInfo op(uint16_t k) const { return decode_op_record(op_table + uint32_t{k} * kOpRecordSize); }
  TensorInfo tensor(uint16_t t) const {
    return decode_tensor_record(tensor_table + uint32_t{t} * kTensorRecordSize);
  }
};

}  // namespace

// One op's place in a stage: a stage starts with kOpFlagStreamed | kOpFlagStreamStart, goes on
// with kOpFlagStreamed alone, holds kMinStreamedStageOps to kMaxStreamedStageOps ops of the kinds
// the streamed executor runs row by row, none in place, fused or in the patch stage.
Status Validator::check_streamed_op(uint16_t i, const OpInfo& op) {
  if (!op.streamed()) {
    if (op.stream_start()) return op_error(Status::kBadStreamedStage, i, op_record::kFlags);
    return Status::kOk;
  }
  if (!has_streamed_stages()) return op_error(Status::kBadStreamedStage, i, op_record::kFlags);
  if (!can_stream(op.kind)) return op_error(Status::kBadStreamedStage, i, op_record::kKind);
  if (op.in_place() || op.fused_rows() || in_patch_stage(i)) {
    return op_error(Status::kBadStreamedStage, i, op_record::kFlags);
  }
  if (!op.stream_start() && !op_streamed(i - 1)) {  // a continuation without a start
    return op_error(Status::kBadStreamedStage, i, op_record::kFlags);
  }
  const int32_t first = stage_first(i);
  const int32_t last = stage_last(i);
  if (last - first + 1 < kMinStreamedStageOps || last - first + 1 > kMaxStreamedStageOps) {
    return op_error(Status::kBadStreamedStage, static_cast<uint16_t>(first), op_record::kFlags);
  }
  return Status::kOk;
}

// Every stage, once all ops passed their own checks: each ring holds the rows its readers may
// still read whenever a row is written into it, and each windowed op reading a ring has scratch
// for its window gathered in one piece.
Status Validator::check_streamed_stages() {
  if (!has_streamed_stages()) return Status::kOk;
  const Records records{data_ + header_.op_table_offset, data_ + header_.tensor_table_offset};
  bool any_stage = false;
  for (int32_t first = 0; first < header_.op_count; ++first) {
    const uint16_t start = static_cast<uint16_t>(first);
    if ((op_flags(start) & kOpFlagStreamStart) == 0) continue;
    any_stage = true;
    const int32_t count = stage_last(first) - first + 1;
    StreamedStageOp ops[kMaxStreamedStageOps];
    StreamedStage stage;
    describe_streamed_stage(records, start, static_cast<uint16_t>(count), ops, &stage);
    StreamedStageNeeds needs;
    streamed_stage_needs(stage, &needs);
    for (int32_t k = 0; k < count; ++k) {
      const uint16_t i = static_cast<uint16_t>(first + k);
      const OpInfo op = records.op(i);
      if (op.scratch_bytes < needs.gather_bytes[k]) {
        return op_error(Status::kBadStreamedStage, i, op_record::kScratchBytes);
      }
      if (k + 1 < count && tensor(op.output).ring_rows < needs.ring_rows[k]) {
        return tensor_error(Status::kBadStreamedStage, op.output, tensor_record::kRingRows);
      }
    }
  }
  // The model flag means "has stages".
  if (!any_stage) return header_error(Status::kBadHeader, header::kFlags);
  return Status::kOk;
}

bool Validator::streamed_output_may_overlap(int32_t first, int32_t last) const {
  const Records records{data_ + header_.op_table_offset, data_ + header_.tensor_table_offset};
  const OpInfo first_op = records.op(static_cast<uint16_t>(first));
  const uint16_t input = first_op.input0;
  if (input == header_.output || last_reader(input, first) > last) return false;
  StreamedStageOp ops[kMaxStreamedStageOps];
  StreamedStage stage;
  describe_streamed_stage(records, static_cast<uint16_t>(first),
                          static_cast<uint16_t>(last - first + 1), ops, &stage);
  return streamed_output_may_overlap_input(stage, tensor(input).offset,
                                           tensor(op_output(static_cast<uint16_t>(last))).offset);
}

}  // namespace tinynas::runtime::validation
