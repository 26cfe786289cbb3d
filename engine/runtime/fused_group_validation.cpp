// Fused inverted-residual groups (kOpFlagFusedRows): each op's role and the group's ring of rows
// (model_validator.h).
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime::validation {

// Each op of a fused group on its own (check_op has seen the model's fused flag and
// check_operands the storages): the expand and project ops are pointwise convs, the depthwise op
// is not also in place and has depth multiplier 1, and the second and third op read the previous
// op's output.
Status Validator::check_fused_role(uint16_t i, const OpInfo& op, FusedRole fused) {
  if (fused == FusedRole::kNone) return Status::kOk;
  if (op.in_place()) return op_error(Status::kBadFusedGroup, i, op_record::kFlags);
  const bool pointwise_role = fused == FusedRole::kExpand || fused == FusedRole::kProject;
  const bool kind_ok = pointwise_role ? is_pointwise_conv(op) : op.kind == OpKind::kDepthwiseConv2d;
  if (!kind_ok) return op_error(Status::kBadFusedGroup, i, op_record::kKind);
  if (fused != FusedRole::kExpand && op.input0 != op_output(static_cast<uint16_t>(i - 1))) {
    return op_error(Status::kBadFusedGroup, i, op_record::kInput0);
  }
  // The group's depthwise row keeps the expanded channels: depth multiplier 1.
  if (fused == FusedRole::kDepthwise && tensor(op.output).shape.c != tensor(op.input0).shape.c) {
    return op_error(Status::kBadFusedGroup, i, op_record::kOutput);
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

}  // namespace tinynas::runtime::validation
