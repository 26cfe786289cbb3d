// One op record: its kind and flags, operands and their storage, the fields its kind leaves
// unused, activation, window, shapes, per-channel arrays and the worst-case int32 of every kernel
// step, add and global-pool parameters, in-place rules, scratch and dataflow (model_validator.h;
// the version-2 kinds' own parameters are in op_parameter_validation.cpp).
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime::validation {

Status Validator::check_op(uint16_t i) {
  const uint8_t* record = op_record(i);
  const uint8_t kind = load_u8(record + op_record::kKind);
  if (kind == 0 || kind >= (version1() ? kVersion1OpKindCount : kOpKindCount)) {
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
  if (status == Status::kOk) status = check_streamed_op(i, op);
  if (status == Status::kOk) status = check_operands(i, op, roles, fused);
  if (status == Status::kOk && roles.has_input_table) status = check_concat_table(i, op);
  if (status == Status::kOk) status = check_fused_role(i, op, fused);
  if (status == Status::kOk) status = check_unused_fields(i, roles);
  if (status == Status::kOk) status = check_activation(i, op, roles);
  if (status == Status::kOk && roles.has_window) status = check_window(i, op);
  if (status == Status::kOk) status = check_shapes(i, op);
  if (status == Status::kOk && roles.has_weights) status = check_per_channel_arrays(i, op);
  if (status == Status::kOk) {
    switch (op.kind) {
      case OpKind::kAdd:
        status = check_add_params(i, op);
        break;
      case OpKind::kGlobalAveragePool:
        status = check_global_pool_params(i, op);
        break;
      case OpKind::kSoftmax:
        status = check_softmax_params(i, op);
        break;
      case OpKind::kQuantize:
        status = check_requantize(i, op.output_multiplier, op.output_shift,
                                  op_record::kOutputMultiplier, op_record::kOutputShift);
        break;
      case OpKind::kMean:
        status = check_mean_params(i, op);
        break;
      case OpKind::kReshape:
        status = check_view(i, op);
        break;
      default:
        break;
    }
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
    const bool ring_mixup = storage == Storage::kRing || operand.storage == Storage::kRing;
    const Status status = ring_mixup       ? Status::kBadStreamedStage
                          : patched_mixup  ? Status::kBadPatchStage
                          : streamed_mixup ? Status::kBadFusedGroup
                                           : Status::kBadOperandIndex;
    return op_error(status, i, operand.field);
  }
  if (op.output == op.input0 || (roles.has_input1 && op.output == op.input1)) {
    return op_error(Status::kBadOperandIndex, i, op_record::kOutput);
  }
  return Status::kOk;
}

// Fields an op kind does not use must hold their "none" value, so every byte of a valid record
// has one meaning (and a later format version can give them one).
Status Validator::check_unused_fields(uint16_t i, const OpRoles& roles) {
  const uint8_t* record = op_record(i);
  if (!roles.has_window) {  // kPad keeps the four padding fields, no kernel or stride
    const uint32_t end = roles.has_padding ? op_record::kPadTop : kWindowFieldsEnd;
    for (uint32_t field = kWindowFieldsBegin; field < end; ++field) {
      if (record[field] != 0) return op_error(Status::kBadOpParameter, i, field);
    }
  }
  const uint32_t offset_fields[] = {op_record::kBiasOffset, op_record::kMultiplierOffset,
                                    op_record::kShiftOffset};
  for (uint32_t field : offset_fields) {
    const bool used =
        roles.has_weights || (roles.has_input_table && field == op_record::kConcatInputTable);
    if (!used && load_u32(record + field) != kNoOffset) {
      return op_error(Status::kBadOpParameter, i, field);
    }
  }
  for (int k = 0; k < kParamFieldCount; ++k) {
    const uint32_t field = kParamFieldsBegin + kInt32Bytes * static_cast<uint32_t>(k);
    if ((roles.params & param_bit(field)) == 0 && load_u32(record + field) != 0) {
      return op_error(Status::kBadOpParameter, i, field);
    }
  }
  return Status::kOk;
}

// Kinds without a fused activation (TFLite has none for them) clamp to the whole int8 range.
Status Validator::check_activation(uint16_t i, const OpInfo& op, const OpRoles& roles) {
  if (roles.has_activation) return Status::kOk;
  if (op.activation_min != kInt8Min) {
    return op_error(Status::kBadOpParameter, i, op_record::kActivationMin);
  }
  if (op.activation_max != kInt8Max) {
    return op_error(Status::kBadOpParameter, i, op_record::kActivationMax);
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
      // Version 2: output channel c reads input channel c / multiplier.
      const bool whole_multiple = out.shape.c % in.shape.c == 0;
      const int32_t multiplier = version1() || !whole_multiple ? 1 : out.shape.c / in.shape.c;
      const Shape w = tensor(op.weights).shape;
      if (w.n != 1 || w.h != op.kernel_h || w.w != op.kernel_w ||
          w.c != int64_t{in.shape.c} * multiplier) {
        return op_error(Status::kShapeMismatch, i, op_record::kWeights);
      }
      if (out.shape.c != int64_t{in.shape.c} * multiplier || !spatial_ok) {
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
    case OpKind::kMaxPool2d:
      if (out.shape.c != in.shape.c || !spatial_ok) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      // The pools have no requantization: input and output must share the quantization.
      if (out.zero_point != in.zero_point) {
        return op_error(Status::kBadOpParameter, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kGlobalAveragePool:
    case OpKind::kMean:
      if (out.shape.h != 1 || out.shape.w != 1 || out.shape.c != in.shape.c) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kSoftmax:
      if (in.shape.c > kMaxSoftmaxDepth) {  // the Q12.19 sum of exps must fit an int32
        return op_error(Status::kShapeMismatch, i, op_record::kInput0);
      }
      if (!same_shape(out.shape, in.shape)) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kReshape:
      if (out.size_bytes != in.size_bytes) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kPad:
      if (out.shape.h != in.shape.h + op.pad_top + op.pad_bottom ||
          out.shape.w != in.shape.w + op.pad_left + op.pad_right || out.shape.c != in.shape.c) {
        return op_error(Status::kShapeMismatch, i, op_record::kOutput);
      }
      // The padding is the zero point, copied values keep theirs: one quantization.
      if (out.zero_point != in.zero_point) {
        return op_error(Status::kBadOpParameter, i, op_record::kOutput);
      }
      return Status::kOk;
    case OpKind::kConcatenation:
      return check_concat_shapes(i, op);
    case OpKind::kQuantize:
      if (!same_shape(out.shape, in.shape)) {
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

// In place: depthwise with depth multiplier 1 only, the output starts where the input starts and
// is no larger in either spatial dimension (what depthwise_conv2d_s8_in_place relies on), and the
// header says so.
Status Validator::check_in_place(uint16_t i, const OpInfo& op) {
  if (!op.in_place()) return Status::kOk;
  if (op.kind != OpKind::kDepthwiseConv2d || (header_.flags & kModelFlagInPlaceDepthwise) == 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kFlags);
  }
  const TensorInfo in = tensor(op.input0);
  const TensorInfo out = tensor(op.output);
  if (out.offset != in.offset || out.shape.h > in.shape.h || out.shape.w > in.shape.w ||
      out.shape.c != in.shape.c) {
    return op_error(Status::kBadOpParameter, i, op_record::kFlags);
  }
  return Status::kOk;
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
  for (int32_t k = 0; k < op_input_count(op); ++k) {
    if (produced_before(op_input(op, pool(), k), i)) continue;
    const uint32_t field = k == 0                              ? op_record::kInput0
                           : op.kind == OpKind::kConcatenation ? op_record::kConcatInputTable
                                                               : op_record::kInput1;
    return op_error(Status::kBadOperandIndex, i, field);
  }
  if (produced_before(op.output, i))
    return op_error(Status::kBadOperandIndex, i, op_record::kOutput);
  return Status::kOk;
}

}  // namespace tinynas::runtime::validation
