// The version-2 kinds' own parameters (model_validator.h): a concatenation's input table and the
// shapes it joins, softmax's precomputed parameters, int8 requantization (QUANTIZE and
// requantizing concatenation inputs), the MEAN computation and a view's placement. Each bounds the
// int32 values its kernel computes, as check_per_channel_arrays does for the convolutions.
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime::validation {

// The table lies 4-aligned in the pool, has 2 .. kMaxConcatInputs entries, entry 0 is input0, and
// every entry names an arena tensor other than the output, copies (same zero point, no
// multiplier) or requantizes with sound parameters. Problems with an entry are reported on the
// table's field.
Status Validator::check_concat_table(uint16_t i, const OpInfo& op) {
  if (op.concat_input_count < 2 || op.concat_input_count > kMaxConcatInputs) {
    return op_error(Status::kBadOpParameter, i, op_record::kConcatInputCount);
  }
  const uint32_t table = op.concat_input_table;
  if (table % kDataAlignment != 0) {
    return op_error(Status::kMisaligned, i, op_record::kConcatInputTable);
  }
  if (uint64_t{table} + concat_input_table_bytes(op.concat_input_count) > header_.constants_size) {
    return op_error(Status::kConstantOutOfBounds, i, op_record::kConcatInputTable);
  }
  const TensorInfo out = tensor(op.output);
  for (int32_t k = 0; k < op.concat_input_count; ++k) {
    const ConcatInputEntry entry = decode_concat_input_entry(
        pool() + table + static_cast<uint32_t>(k) * kConcatInputEntrySize);
    const bool tensor_ok = entry.tensor < header_.tensor_count && entry.tensor != op.output &&
                           (k != 0 || entry.tensor == op.input0) &&
                           tensor(entry.tensor).storage == Storage::kArena;
    if (!tensor_ok) return op_error(Status::kBadOperandIndex, i, op_record::kConcatInputTable);
    if (entry.reserved != 0 || entry.requantize > 1) {
      return op_error(Status::kBadOpParameter, i, op_record::kConcatInputTable);
    }
    if (entry.requantize == 0) {
      if (entry.multiplier != 0 || entry.shift != 0 ||
          tensor(entry.tensor).zero_point != out.zero_point) {
        return op_error(Status::kBadOpParameter, i, op_record::kConcatInputTable);
      }
      continue;
    }
    const Status status =
        check_requantize(i, entry.multiplier, entry.shift, op_record::kConcatInputTable,
                         op_record::kConcatInputTable);
    if (status != Status::kOk) return status;
  }
  return Status::kOk;
}

// Every input has the output's height and width, and the channels add up to the output's.
Status Validator::check_concat_shapes(uint16_t i, const OpInfo& op) {
  const Shape out = tensor(op.output).shape;
  int64_t channels = 0;
  for (int32_t k = 0; k < op.concat_input_count; ++k) {
    const Shape in = tensor(op_input(op, pool(), k)).shape;
    if (in.h != out.h || in.w != out.w) {
      return op_error(Status::kShapeMismatch, i, op_record::kConcatInputTable);
    }
    channels += in.c;
  }
  if (channels != out.c) return op_error(Status::kShapeMismatch, i, op_record::kOutput);
  return Status::kOk;
}

// TFLite's softmax parameters: a non-negative multiplier, a left shift in [0, 31], diff_min <= 0,
// and no difference the kernel scales (diff in [max(diff_min, -255), 0]) may leave int32 when
// shifted left. The output is TFLite's: scale 1/256, zero point -128.
Status Validator::check_softmax_params(uint16_t i, const OpInfo& op) {
  if (op.softmax_input_multiplier < 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kSoftmaxInputMultiplier);
  }
  if (op.softmax_input_left_shift < 0 || op.softmax_input_left_shift > kMaxSoftmaxLeftShift) {
    return op_error(Status::kBadOpParameter, i, op_record::kSoftmaxInputLeftShift);
  }
  if (op.softmax_diff_min > 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kSoftmaxDiffMin);
  }
  const int64_t largest_difference = -int64_t{op.softmax_diff_min} < kMaxInt8Difference
                                         ? -int64_t{op.softmax_diff_min}
                                         : kMaxInt8Difference;
  if ((largest_difference << op.softmax_input_left_shift) > kInt32MinMagnitude) {
    return op_error(Status::kBadOpParameter, i, op_record::kSoftmaxDiffMin);
  }
  const TensorInfo out = tensor(op.output);
  const uint32_t scale_bits = load_u32(tensor_record(op.output) + tensor_record::kScale);
  if (out.zero_point != kSoftmaxOutputZeroPoint || scale_bits != kSoftmaxOutputScaleBits) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutput);
  }
  return Status::kOk;
}

// requantize_s8's parameters: (q - zp) of magnitude <= 255, shifted left, must stay below the
// limit that leaves room for the output zero point.
Status Validator::check_requantize(uint16_t i, int32_t multiplier, int32_t shift,
                                   uint32_t multiplier_field, uint32_t shift_field) {
  if (multiplier < 0) return op_error(Status::kBadOpParameter, i, multiplier_field);
  if (shift < kMinShift || shift > kMaxShift) {
    return op_error(Status::kBadOpParameter, i, shift_field);
  }
  const int64_t requantized = requantized_bound(kMaxInt8Difference, shift);
  if (requantized < 0 || requantized > kRequantizedLimit) {
    return op_error(Status::kBadOpParameter, i, shift_field);
  }
  return Status::kOk;
}

// The MEAN computation: a known mode, and only its own parameters set. Rescale-then-divide
// bounds sum(q - zp) (<= 255 per pixel), its requantization and the rounding term count / 2;
// the truncated mean bounds sum(q); the float mode needs a finite positive scale small enough
// that mean * scale and zp * scale stay finite.
Status Validator::check_mean_params(uint16_t i, const OpInfo& op) {
  if (op.mean_mode >= kMeanModeCount) {
    return op_error(Status::kBadOpParameter, i, op_record::kMeanMode);
  }
  const MeanMode mode = static_cast<MeanMode>(op.mean_mode);
  const uint32_t scale_bits = load_u32(op_record(i) + op_record::kMeanScale);
  if (mode != MeanMode::kFloat && scale_bits != 0) {
    return op_error(Status::kBadOpParameter, i, op_record::kMeanScale);
  }
  if (mode != MeanMode::kRescaleThenDivide) {
    if (op.output_multiplier != 0) {
      return op_error(Status::kBadOpParameter, i, op_record::kOutputMultiplier);
    }
    if (op.output_shift != 0) return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
  }
  const Shape in = tensor(op.input0).shape;
  const int64_t count = int64_t{in.h} * in.w;
  const int64_t sum = kMaxInputMagnitude * count;
  if (sum > kRequantizedLimit) return op_error(Status::kShapeMismatch, i, op_record::kInput0);
  switch (mode) {
    case MeanMode::kRescaleThenDivide: {
      if (op.output_multiplier < 0) {
        return op_error(Status::kBadOpParameter, i, op_record::kOutputMultiplier);
      }
      if (op.output_shift < kMinShift || op.output_shift > kMaxShift) {
        return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
      }
      const int64_t requantized = requantized_bound(sum, op.output_shift);
      if (requantized < 0 || requantized + count / 2 > kInt32Max) {
        return op_error(Status::kBadOpParameter, i, op_record::kOutputShift);
      }
      return Status::kOk;
    }
    case MeanMode::kTruncatedMean:
      return Status::kOk;
    case MeanMode::kFloat:
      if (!is_finite_float_bits(scale_bits) || (scale_bits & kFloatSignBit) != 0 ||
          scale_bits == 0 || !(op.mean_scale < kMaxMeanScale)) {
        return op_error(Status::kBadOpParameter, i, op_record::kMeanScale);
      }
      return Status::kOk;
  }
  return Status::kOk;
}

// A view shows its input's bytes under its own shape: it starts at the input's arena offset (the
// shape check made the sizes equal) and keeps the quantization.
Status Validator::check_view(uint16_t i, const OpInfo& op) {
  const TensorInfo in = tensor(op.input0);
  const TensorInfo out = tensor(op.output);
  if (out.offset != in.offset || out.zero_point != in.zero_point) {
    return op_error(Status::kBadOpParameter, i, op_record::kOutput);
  }
  return Status::kOk;
}

}  // namespace tinynas::runtime::validation
