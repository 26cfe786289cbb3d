// validate_training (training_model.h): the training section's header, tables and records,
// each checked against the validated model.
#include "engine/runtime/model_validator.h"
#include "engine/runtime/training_kernels.h"
#include "engine/runtime/training_model.h"

namespace tinynas::runtime {
namespace validation {
namespace {

namespace th = training_header;
namespace ttr = train_tensor_record;
namespace tor = train_op_record;
namespace tlr = train_layer_record;

constexpr uint32_t kFloatBytes = 4;
constexpr uint32_t kModelFlagsTrainingExcludes = kModelFlagFusedRows | kModelFlagPatchStage |
                                                 kModelFlagStreamedStages |
                                                 kModelFlagScratchInArena;

bool has_weights(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d ||
         kind == OpKind::kFullyConnected;
}

bool positive_finite(uint32_t bits) {
  return is_finite_float_bits(bits) && (bits & validation::kFloatSignBit) == 0 && bits != 0;
}

}  // namespace

class TrainingValidator {
 public:
  TrainingValidator(const ModelView& model, ValidationError* error)
      : model_(model), error_(error) {}

  Status run(TrainingView* out) {
    Status status = check_header();
    if (status != Status::kOk) return status;
    for (uint16_t i = 0; i < layer_count_; ++i) {
      status = check_layer(i);
      if (status != Status::kOk) return status;
    }
    for (uint16_t i = 0; i < tensor_count_; ++i) {
      status = check_tensor(i);
      if (status != Status::kOk) return status;
    }
    for (uint16_t i = 0; i < op_count_; ++i) {
      status = check_op(i);
      if (status != Status::kOk) return status;
    }
    if (out != nullptr) *out = view_;
    return Status::kOk;
  }

 private:
  Status fail(Status status, ModelSection section, uint16_t index, uint32_t field) {
    if (error_ != nullptr) *error_ = ValidationError{status, section, index, field};
    return status;
  }
  Status header_error(uint32_t field) {
    return fail(Status::kBadTrainingSection, ModelSection::kTrainingHeader, 0, field);
  }

  Status check_header() {
    if ((model_.flags() & kModelFlagTraining) == 0 ||
        (model_.flags() & kModelFlagsTrainingExcludes) != 0) {
      return fail(Status::kBadHeader, ModelSection::kHeader, 0, header::kFlags);
    }
    const uint32_t constants_end =
        static_cast<uint32_t>(model_.constants() - model_.data()) + model_.constants_size();
    const uint32_t begin = align_up(constants_end, kConstantPoolAlignment);
    for (uint32_t b = constants_end; b < begin; ++b) {
      if (model_.data()[b] != 0)
        return fail(Status::kBadHeader, ModelSection::kHeader, 0, header::kConstantsSize);
    }
    section_ = model_.data() + begin;
    size_ = model_.size() - begin;
    if (size_ < kTrainingHeaderSize)
      return fail(Status::kTruncated, ModelSection::kTrainingHeader, 0, th::kMagic);
    if (load_u32(section_ + th::kMagic) != kTrainingMagic) return header_error(th::kMagic);
    tensor_count_ = load_u16(section_ + th::kTensorCount);
    op_count_ = load_u16(section_ + th::kOpCount);
    layer_count_ = load_u16(section_ + th::kLayerCount);
    if (tensor_count_ == 0 || tensor_count_ > kMaxTrainTensors) {
      return header_error(th::kTensorCount);
    }
    if (op_count_ == 0 || op_count_ > kMaxTrainOps) return header_error(th::kOpCount);
    if (layer_count_ == 0 || layer_count_ > kMaxTrainedLayers) {
      return header_error(th::kLayerCount);
    }
    const uint16_t logits = load_u16(section_ + th::kLogits);
    if (logits >= model_.tensor_count() || model_.tensor(logits).storage != Storage::kArena ||
        model_.tensor(logits).dtype != DType::kInt8) {
      return header_error(th::kLogits);
    }
    const uint32_t rate = load_u32(section_ + th::kLearningRate);
    if (!positive_finite(rate)) return header_error(th::kLearningRate);
    tensors_ = kTrainingHeaderSize;
    ops_ = tensors_ + tensor_count_ * kTrainTensorRecordSize;
    layers_ = ops_ + op_count_ * kTrainOpRecordSize;
    data_ = layers_ + layer_count_ * kTrainLayerRecordSize;
    if (load_u32(section_ + th::kTensorTableOffset) != tensors_) {
      return header_error(th::kTensorTableOffset);
    }
    if (load_u32(section_ + th::kOpTableOffset) != ops_) return header_error(th::kOpTableOffset);
    if (load_u32(section_ + th::kLayerTableOffset) != layers_) {
      return header_error(th::kLayerTableOffset);
    }
    if (load_u32(section_ + th::kDataOffset) != data_) return header_error(th::kDataOffset);
    if (data_ > size_)
      return fail(Status::kTruncated, ModelSection::kTrainingHeader, 0, th::kDataOffset);
    view_.section_ = section_;
    view_.tensor_count_ = tensor_count_;
    view_.op_count_ = op_count_;
    view_.layer_count_ = layer_count_;
    view_.logits_ = logits;
    view_.learning_rate_ = load_f32(section_ + th::kLearningRate);
    return Status::kOk;
  }

  // An array of `bytes` at data-relative `offset`, 4-aligned, inside the data.
  bool data_range_ok(uint32_t offset, uint64_t bytes, uint32_t alignment) const {
    return offset % alignment == 0 && uint64_t{data_} + offset + bytes <= size_;
  }

  Status layer_error(uint16_t i, uint32_t field) {
    return fail(Status::kBadTrainingSection, ModelSection::kTrainLayerTable, i, field);
  }

  Status check_layer(uint16_t i) {
    const uint8_t* r = section_ + layers_ + i * kTrainLayerRecordSize;
    const uint16_t op_index = load_u16(r + tlr::kModelOp);
    if (op_index >= model_.op_count() || !has_weights(model_.op(op_index).kind)) {
      return layer_error(i, tlr::kModelOp);
    }
    for (uint16_t k = 0; k < i; ++k) {
      if (load_u16(section_ + layers_ + k * kTrainLayerRecordSize + tlr::kModelOp) == op_index) {
        return layer_error(i, tlr::kModelOp);  // a layer trains once
      }
    }
    const OpInfo op = model_.op(op_index);
    const TensorInfo weights = model_.tensor(op.weights);
    const uint32_t out_channels = static_cast<uint32_t>(model_.tensor(op.output).shape.c);
    const uint8_t flags = load_u8(r + tlr::kFlags);
    if (flags == 0 || (flags & ~(kTrainLayerFlagBias | kTrainLayerFlagWeights)) != 0) {
      return layer_error(i, tlr::kFlags);
    }
    if (load_u8(r + tlr::kReserved) != 0) return layer_error(i, tlr::kReserved);
    const uint16_t count = load_u16(r + tlr::kChannelCount);
    const bool trains_weights = (flags & kTrainLayerFlagWeights) != 0;
    // The scheme's channels: input channels of a conv / FC, channels of a depthwise conv (the
    // last weight dimension either way).
    const uint32_t channels = static_cast<uint32_t>(weights.shape.c);
    if (trains_weights ? (count == 0 || count > channels) : count != 0) {
      return layer_error(i, tlr::kChannelCount);
    }
    const uint32_t list = load_u32(r + tlr::kChannelsOffset);
    if (count > 0) {
      if (!data_range_ok(list, uint64_t{count} * 4, 4)) return layer_error(i, tlr::kChannelsOffset);
      int32_t previous = -1;
      for (uint16_t k = 0; k < count; ++k) {
        const int32_t c = load_i32(section_ + data_ + list + 4u * k);
        if (c <= previous || static_cast<uint32_t>(c) >= channels) {
          return layer_error(i, tlr::kChannelsOffset);
        }
        previous = c;
      }
    }
    const uint32_t scales = load_u32(r + tlr::kWeightScales);
    if (!data_range_ok(scales, uint64_t{out_channels} * kFloatBytes, 4)) {
      return layer_error(i, tlr::kWeightScales);
    }
    for (uint32_t c = 0; c < out_channels; ++c) {
      if (!positive_finite(load_u32(section_ + data_ + scales + 4u * c))) {
        return layer_error(i, tlr::kWeightScales);
      }
    }
    if (!positive_finite(load_u32(r + tlr::kInputScale))) return layer_error(i, tlr::kInputScale);
    const uint16_t name_length = load_u16(r + tlr::kNameLength);
    if (name_length == 0 || name_length > kMaxLayerNameBytes) {
      return layer_error(i, tlr::kNameLength);
    }
    const uint32_t name = load_u32(r + tlr::kNameOffset);
    if (!data_range_ok(name, name_length, 1)) return layer_error(i, tlr::kNameOffset);
    for (uint16_t k = 0; k < name_length; ++k) {
      const uint8_t ch = section_[data_ + name + k];
      if (ch < 0x20 || ch > 0x7E) return layer_error(i, tlr::kNameOffset);
    }
    const struct {
      uint32_t field;
      bool present;
      TrainTensorKind kind;
    } parameters[] = {
        {tlr::kTrainedWeights, trains_weights, TrainTensorKind::kTrainedWeights},
        {tlr::kTrainedBias, (flags & kTrainLayerFlagBias) != 0, TrainTensorKind::kTrainedBias},
        {tlr::kMasterWeights, trains_weights, TrainTensorKind::kMasterWeights},
        {tlr::kMasterBias, (flags & kTrainLayerFlagBias) != 0, TrainTensorKind::kMasterBias},
    };
    for (const auto& p : parameters) {
      const uint16_t t = load_u16(r + p.field);
      if (!p.present) {
        if (t != kNoTensor) return layer_error(i, p.field);
        continue;
      }
      if (t >= tensor_count_ || tensor_kind(t) != static_cast<uint8_t>(p.kind) ||
          load_u16(tensor_record(t) + ttr::kLayer) != i) {
        return layer_error(i, p.field);
      }
    }
    return Status::kOk;
  }

  const uint8_t* tensor_record(uint16_t t) const {
    return section_ + tensors_ + t * kTrainTensorRecordSize;
  }
  uint8_t tensor_kind(uint16_t t) const { return load_u8(tensor_record(t) + ttr::kKind); }

  Status tensor_error(uint16_t i, uint32_t field, Status status = Status::kBadTrainingSection) {
    return fail(status, ModelSection::kTrainTensorTable, i, field);
  }

  // A layer whose weights train on some of their channels only (a weight ratio below 1): its
  // forward keeps those channels of its input (kSavedChannels).
  bool saves_channels(const TrainedLayerInfo& layer) const {
    const OpInfo op = model_.op(layer.model_op);
    return layer.trains_weights() &&
           layer.channel_count < static_cast<uint32_t>(model_.tensor(op.weights).shape.c);
  }

  // Bytes a train tensor of `kind` has (0: the kind is not a layer's).
  uint64_t layer_tensor_bytes(TrainTensorKind kind, const TrainedLayerInfo& layer) const {
    const OpInfo op = model_.op(layer.model_op);
    const TensorInfo weights = model_.tensor(op.weights);
    const uint64_t out_channels = static_cast<uint64_t>(model_.tensor(op.output).shape.c);
    const uint64_t taps = weights.size_bytes / static_cast<uint64_t>(weights.shape.c);
    const uint64_t chosen = taps * layer.channel_count * kFloatBytes;
    switch (kind) {
      case TrainTensorKind::kWeightGradient:
      case TrainTensorKind::kMasterWeights:
        return chosen;
      case TrainTensorKind::kTrainedWeights:
        return weights.size_bytes;
      case TrainTensorKind::kSavedChannels: {
        // The input as pixels x the input channels the weight channels read (depthwise: channel
        // c reads c / multiplier; fully connected: one pixel of K values).
        const int32_t multiplier =
            op.kind == OpKind::kDepthwiseConv2d
                ? model_.tensor(op.output).shape.c / model_.tensor(op.input0).shape.c
                : 1;
        const uint64_t input_channels = static_cast<uint64_t>(weights.shape.c / multiplier);
        const uint64_t pixels = model_.tensor(op.input0).size_bytes / input_channels;
        const ChannelSelection selection{layer.channels, layer.channel_count};
        return pixels * static_cast<uint64_t>(saved_channel_count(selection, multiplier));
      }
      case TrainTensorKind::kBiasGradient:
      case TrainTensorKind::kTrainedBias:
      case TrainTensorKind::kMasterBias:
        return out_channels * kFloatBytes;
      default:
        return 0;
    }
  }

  Status check_tensor(uint16_t i) {
    const uint8_t* r = tensor_record(i);
    const uint8_t kind = load_u8(r + ttr::kKind);
    if (kind >= kTrainTensorKindCount) return tensor_error(i, ttr::kKind);
    if (load_u8(r + ttr::kReserved0) != 0) return tensor_error(i, ttr::kReserved0);
    if (load_u16(r + ttr::kReserved1) != 0) return tensor_error(i, ttr::kReserved1);
    const TrainTensorKind k = static_cast<TrainTensorKind>(kind);
    const uint16_t model_tensor = load_u16(r + ttr::kModelTensor);
    const uint16_t layer = load_u16(r + ttr::kLayer);
    const uint32_t offset = load_u32(r + ttr::kOffset);
    const uint32_t size = load_u32(r + ttr::kSizeBytes);
    const bool per_tensor = k == TrainTensorKind::kActivation || k == TrainTensorKind::kGradient;
    if (per_tensor) {
      if (layer != kNoTensor) return tensor_error(i, ttr::kLayer);
      if (model_tensor >= model_.tensor_count() ||
          model_.tensor(model_tensor).storage != Storage::kArena) {
        return tensor_error(i, ttr::kModelTensor);
      }
      const TensorInfo t = model_.tensor(model_tensor);
      if (k == TrainTensorKind::kActivation) {
        if (offset != t.offset) return tensor_error(i, ttr::kOffset);
        if (size != t.size_bytes) return tensor_error(i, ttr::kSizeBytes);
      } else if (uint64_t{size} != uint64_t{t.size_bytes} * kFloatBytes) {
        return tensor_error(i, ttr::kSizeBytes);
      }
    } else {
      if (model_tensor != kNoTensor) return tensor_error(i, ttr::kModelTensor);
      if (layer >= layer_count_) return tensor_error(i, ttr::kLayer);
      if (k == TrainTensorKind::kSavedChannels && !saves_channels(view_.layer(layer))) {
        return tensor_error(i, ttr::kLayer);
      }
      if (size != layer_tensor_bytes(k, view_.layer(layer))) {
        return tensor_error(i, ttr::kSizeBytes);
      }
    }
    const bool byte_kind = k == TrainTensorKind::kActivation ||
                           k == TrainTensorKind::kSavedChannels ||
                           k == TrainTensorKind::kTrainedWeights;
    if (!byte_kind && offset % 4 != 0) return tensor_error(i, ttr::kOffset, Status::kMisaligned);
    if (uint64_t{offset} + size > model_.arena_size()) {
      return tensor_error(i, ttr::kOffset, Status::kTensorOutOfBounds);
    }
    return Status::kOk;
  }

  Status op_error(uint16_t i, uint32_t field, Status status = Status::kBadTrainingSection) {
    return fail(status, ModelSection::kTrainOpTable, i, field);
  }

  // The train tensor of `kind` for model tensor `t` (activation / gradient).
  bool is_tensor(uint16_t index, TrainTensorKind kind, uint16_t model_tensor) const {
    return index < tensor_count_ && tensor_kind(index) == static_cast<uint8_t>(kind) &&
           load_u16(tensor_record(index) + ttr::kModelTensor) == model_tensor;
  }

  bool earlier_backward_op(uint16_t i, uint16_t model_op) const {
    for (uint16_t k = 0; k < i; ++k) {
      const uint8_t* r = section_ + ops_ + k * kTrainOpRecordSize;
      const uint8_t kind = load_u8(r + tor::kKind);
      const bool backward = kind == static_cast<uint8_t>(TrainOpKind::kInputGradient) ||
                            kind == static_cast<uint8_t>(TrainOpKind::kWeightGradient) ||
                            kind == static_cast<uint8_t>(TrainOpKind::kBiasGradient);
      if (backward && load_u16(r + tor::kModelOp) == model_op) return true;
    }
    return false;
  }

  Status check_op(uint16_t i) {
    const uint8_t* r = section_ + ops_ + i * kTrainOpRecordSize;
    const uint8_t kind = load_u8(r + tor::kKind);
    if (kind >= kTrainOpKindCount) return op_error(i, tor::kKind);
    const TrainOpKind k = static_cast<TrainOpKind>(kind);
    const uint16_t op_index = load_u16(r + tor::kModelOp);
    if (op_index >= model_.op_count()) return op_error(i, tor::kModelOp);
    const OpInfo op = model_.op(op_index);
    const uint8_t flags = load_u8(r + tor::kFlags);
    uint16_t operand[tor::kOperandCount];
    for (int k2 = 0; k2 < tor::kOperandCount; ++k2) {
      operand[k2] = load_u16(r + tor::kOperands + 2u * static_cast<uint32_t>(k2));
    }
    uint16_t expected[tor::kOperandCount] = {kNoTensor, kNoTensor, kNoTensor,
                                             kNoTensor, kNoTensor, kNoTensor};
    uint8_t allowed_flags = 0;
    const uint16_t layer_index = view_.layer_of(op_index);
    const TrainedLayerInfo layer =
        layer_index == kNoTensor ? TrainedLayerInfo() : view_.layer(layer_index);
    auto operand_of = [&](int slot, TrainTensorKind want, uint16_t model_tensor) -> bool {
      return is_tensor(operand[slot], want, model_tensor);
    };
    auto check_slot = [&](int slot, TrainTensorKind want, uint16_t model_tensor) -> Status {
      if (!operand_of(slot, want, model_tensor)) {
        return op_error(i, tor::kOperands + 2u * static_cast<uint32_t>(slot));
      }
      expected[slot] = operand[slot];
      return Status::kOk;
    };
    // Slot 0 of a backward op: the output's values, which only a clamp needs (kNoTensor when
    // the op has none beyond int8).
    auto check_output_values = [&]() -> Status {
      const bool clamps =
          op.activation_min > validation::kInt8Min || op.activation_max < validation::kInt8Max;
      if (operand[0] == kNoTensor && !clamps) return Status::kOk;
      return check_slot(0, TrainTensorKind::kActivation, op.output);
    };
    Status status = Status::kOk;
    switch (k) {
      case TrainOpKind::kForward:
        if (op.fused_rows() || op.stream_start()) return op_error(i, tor::kModelOp);
        break;
      case TrainOpKind::kSaveChannels:
        if (op.fused_rows() || op.stream_start() || layer_index == kNoTensor ||
            !saves_channels(layer)) {
          return op_error(i, tor::kModelOp);
        }
        if ((status = check_slot(0, TrainTensorKind::kActivation, op.input0)) != Status::kOk) {
          return status;
        }
        if (!is_layer_tensor(operand[1], TrainTensorKind::kSavedChannels, layer_index)) {
          return op_error(i, tor::kOperands + 2);
        }
        expected[1] = operand[1];
        break;
      case TrainOpKind::kLossGradient:
        if (op.output != view_.logits_) return op_error(i, tor::kModelOp);
        if ((status = check_slot(0, TrainTensorKind::kActivation, op.output)) != Status::kOk ||
            (status = check_slot(1, TrainTensorKind::kGradient, op.output)) != Status::kOk) {
          return status;
        }
        break;
      case TrainOpKind::kInputGradient: {
        const bool supported = has_weights(op.kind) || op.kind == OpKind::kAdd ||
                               op.kind == OpKind::kGlobalAveragePool;
        if (!supported) return op_error(i, tor::kModelOp, Status::kUnsupportedTrainOp);
        allowed_flags =
            kTrainOpFlagInput0Gradient | kTrainOpFlagInput0Accumulates |
            (op.kind == OpKind::kAdd ? kTrainOpFlagInput1Gradient | kTrainOpFlagInput1Accumulates
                                     : 0);
        if ((status = check_output_values()) != Status::kOk ||
            (status = check_slot(1, TrainTensorKind::kGradient, op.output)) != Status::kOk) {
          return status;
        }
        const uint16_t inputs[2] = {op.input0, op.input1};
        bool any = false;
        for (int n = 0; n < 2; ++n) {
          const uint8_t has = static_cast<uint8_t>(kTrainOpFlagInput0Gradient << n);
          const uint8_t adds = static_cast<uint8_t>(kTrainOpFlagInput0Accumulates << n);
          if ((flags & has) == 0) {
            if ((flags & adds) != 0) return op_error(i, tor::kFlags);
            continue;
          }
          any = true;
          if ((status = check_slot(2 + n, TrainTensorKind::kGradient, inputs[n])) != Status::kOk) {
            return status;
          }
        }
        if (!any) return op_error(i, tor::kFlags);
        // add_s8_backward writes both inputs in one mode.
        const uint8_t both = kTrainOpFlagInput0Gradient | kTrainOpFlagInput1Gradient;
        if ((flags & both) == both && ((flags & kTrainOpFlagInput0Accumulates) != 0) !=
                                          ((flags & kTrainOpFlagInput1Accumulates) != 0)) {
          return op_error(i, tor::kFlags, Status::kUnsupportedTrainOp);
        }
        break;
      }
      case TrainOpKind::kWeightGradient:
      case TrainOpKind::kBiasGradient: {
        const bool weights = k == TrainOpKind::kWeightGradient;
        if (layer_index == kNoTensor ||
            (weights ? !layer.trains_weights() : !layer.trains_bias())) {
          return op_error(i, tor::kModelOp);
        }
        if ((status = check_output_values()) != Status::kOk ||
            (status = check_slot(1, TrainTensorKind::kGradient, op.output)) != Status::kOk) {
          return status;
        }
        if (weights) {
          // The chosen channels the forward saved, or the whole input when every channel trains.
          if (saves_channels(layer)) {
            if (!is_layer_tensor(operand[2], TrainTensorKind::kSavedChannels, layer_index)) {
              return op_error(i, tor::kOperands + 4);
            }
            expected[2] = operand[2];
          } else if ((status = check_slot(2, TrainTensorKind::kActivation, op.input0)) !=
                     Status::kOk) {
            return status;
          }
          if (!is_layer_tensor(operand[3], TrainTensorKind::kWeightGradient, layer_index)) {
            return op_error(i, tor::kOperands + 6);
          }
          expected[3] = operand[3];
        } else {
          if (!is_layer_tensor(operand[2], TrainTensorKind::kBiasGradient, layer_index)) {
            return op_error(i, tor::kOperands + 4);
          }
          expected[2] = operand[2];
        }
        break;
      }
      case TrainOpKind::kUpdateWeights:
      case TrainOpKind::kUpdateBias: {
        const bool weights = k == TrainOpKind::kUpdateWeights;
        if (layer_index == kNoTensor ||
            (weights ? !layer.trains_weights() : !layer.trains_bias())) {
          return op_error(i, tor::kModelOp);
        }
        const TrainTensorKind gradient =
            weights ? TrainTensorKind::kWeightGradient : TrainTensorKind::kBiasGradient;
        if (!is_layer_tensor(operand[0], gradient, layer_index)) {
          return op_error(i, tor::kOperands);
        }
        expected[0] = operand[0];
        expected[1] = weights ? layer.master_weights : layer.master_bias;
        expected[2] = weights ? layer.trained_weights : layer.trained_bias;
        break;
      }
    }
    const bool backward = k == TrainOpKind::kInputGradient || k == TrainOpKind::kWeightGradient ||
                          k == TrainOpKind::kBiasGradient;
    if (backward && has_weights(op.kind)) {
      allowed_flags |= kTrainOpFlagOutputStage;
      const bool first = !earlier_backward_op(i, op_index);
      if (((flags & kTrainOpFlagOutputStage) != 0) != first) return op_error(i, tor::kFlags);
    }
    if ((flags & ~allowed_flags) != 0) return op_error(i, tor::kFlags);
    for (int slot = 0; slot < tor::kOperandCount; ++slot) {
      if (operand[slot] != expected[slot]) {
        return op_error(i, tor::kOperands + 2u * static_cast<uint32_t>(slot));
      }
    }
    return Status::kOk;
  }

  bool is_layer_tensor(uint16_t index, TrainTensorKind kind, uint16_t layer) const {
    return index < tensor_count_ && tensor_kind(index) == static_cast<uint8_t>(kind) &&
           load_u16(tensor_record(index) + ttr::kLayer) == layer;
  }

  const ModelView& model_;
  ValidationError* error_;
  TrainingView view_;
  const uint8_t* section_ = nullptr;
  uint32_t size_ = 0;
  uint16_t tensor_count_ = 0, op_count_ = 0, layer_count_ = 0;
  uint32_t tensors_ = 0, ops_ = 0, layers_ = 0, data_ = 0;
};

}  // namespace validation

using validation::load_f32;
namespace th = training_header;
namespace ttr = train_tensor_record;
namespace tor = train_op_record;
namespace tlr = train_layer_record;

TrainTensorInfo TrainingView::tensor(uint16_t index) const {
  const uint8_t* r = section_ + kTrainingHeaderSize + index * kTrainTensorRecordSize;
  TrainTensorInfo info;
  info.kind = static_cast<TrainTensorKind>(r[ttr::kKind]);
  info.model_tensor = load_u16(r + ttr::kModelTensor);
  info.layer = load_u16(r + ttr::kLayer);
  info.offset = load_u32(r + ttr::kOffset);
  info.size_bytes = load_u32(r + ttr::kSizeBytes);
  return info;
}

TrainOpInfo TrainingView::op(uint16_t index) const {
  const uint8_t* r =
      section_ + load_u32(section_ + th::kOpTableOffset) + index * kTrainOpRecordSize;
  TrainOpInfo info;
  info.kind = static_cast<TrainOpKind>(r[tor::kKind]);
  info.flags = r[tor::kFlags];
  info.model_op = load_u16(r + tor::kModelOp);
  for (int k = 0; k < tor::kOperandCount; ++k) {
    info.operands[k] = load_u16(r + tor::kOperands + 2u * static_cast<uint32_t>(k));
  }
  return info;
}

TrainedLayerInfo TrainingView::layer(uint16_t index) const {
  const uint8_t* r =
      section_ + load_u32(section_ + th::kLayerTableOffset) + index * kTrainLayerRecordSize;
  const uint8_t* data = section_ + load_u32(section_ + th::kDataOffset);
  TrainedLayerInfo info;
  info.model_op = load_u16(r + tlr::kModelOp);
  info.flags = r[tlr::kFlags];
  info.channel_count = load_u16(r + tlr::kChannelCount);
  // The section starts 16-aligned in a 4-aligned model buffer and its arrays are 4-aligned.
  info.channels = reinterpret_cast<const int32_t*>(data + load_u32(r + tlr::kChannelsOffset));
  info.weight_scales = reinterpret_cast<const float*>(data + load_u32(r + tlr::kWeightScales));
  info.input_scale = load_f32(r + tlr::kInputScale);
  info.name = reinterpret_cast<const char*>(data + load_u32(r + tlr::kNameOffset));
  info.name_length = load_u16(r + tlr::kNameLength);
  info.trained_weights = load_u16(r + tlr::kTrainedWeights);
  info.trained_bias = load_u16(r + tlr::kTrainedBias);
  info.master_weights = load_u16(r + tlr::kMasterWeights);
  info.master_bias = load_u16(r + tlr::kMasterBias);
  return info;
}

uint16_t TrainingView::layer_of(uint16_t model_op) const {
  const uint8_t* table = section_ + load_u32(section_ + th::kLayerTableOffset);
  for (uint16_t k = 0; k < layer_count_; ++k) {
    if (load_u16(table + k * kTrainLayerRecordSize + tlr::kModelOp) == model_op) return k;
  }
  return kNoTensor;
}

Status validate_training(const ModelView& model, TrainingView* out, ValidationError* error) {
  if (out != nullptr) *out = TrainingView();
  if (!model.valid()) {
    if (error != nullptr)
      *error = ValidationError{Status::kNullArgument, ModelSection::kNone, 0, 0};
    return Status::kNullArgument;
  }
  return validation::TrainingValidator(model, error).run(out);
}

}  // namespace tinynas::runtime
