// The patch stage (kModelFlagPatchStage): its header fields, the storage its ops' operands must
// have, which ops may run in it, and its geometry as a whole (model_validator.h).
#include "engine/runtime/model_validator.h"
#include "engine/runtime/patch_geometry.h"

namespace tinynas::runtime::validation {

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

// Inside the patch stage an op reads the model input (whole in the arena) or an earlier stage
// op's region (kPatched) and writes a region, except the split op, which writes its part of the
// whole split output. No other op touches a patched tensor.
// Inside a streamed stage an op reads a ring of an earlier op of its stage or a whole arena
// tensor from before the stage, and writes a ring, except the stage's last op (whole).
Storage Validator::expected_input_storage(uint16_t i, uint16_t tensor, FusedRole fused) const {
  if (in_patch_stage(i)) return tensor == header_.input ? Storage::kArena : Storage::kPatched;
  if (op_streamed(i)) {
    for (int32_t j = stage_first(i); j < i; ++j) {
      if (op_output(static_cast<uint16_t>(j)) == tensor) return Storage::kRing;
    }
    return Storage::kArena;
  }
  return fused_input_storage(fused);
}

Storage Validator::expected_output_storage(uint16_t i, FusedRole fused) const {
  if (in_patch_stage(i) && i + 1 < header_.patch_split) return Storage::kPatched;
  if (op_streamed(i)) return stage_continues(i) ? Storage::kRing : Storage::kArena;
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

}  // namespace tinynas::runtime::validation
