#include "engine/compiler/training_model_writer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/training_model.h"

namespace tinynas::compiler {
namespace {

namespace rt = runtime;

// The section stores the compiler's kinds by value.
static_assert(static_cast<int>(TrainTensorKind::kMasterBias) ==
              static_cast<int>(rt::TrainTensorKind::kMasterBias));
static_assert(static_cast<int>(TrainTensorKind::kGradient) ==
              static_cast<int>(rt::TrainTensorKind::kGradient));
static_assert(static_cast<int>(TrainOpKind::kUpdateBias) ==
              static_cast<int>(rt::TrainOpKind::kUpdateBias));
static_assert(static_cast<int>(TrainOpKind::kInputGradient) ==
              static_cast<int>(rt::TrainOpKind::kInputGradient));

void put_u16(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  put_u16(b, at, v & 0xFFFFu);
  put_u16(b, at + 2, v >> 16);
}
void put_f32(std::vector<uint8_t>& b, size_t at, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  put_u32(b, at, bits);
}
uint16_t index16(int index) { return index < 0 ? rt::kNoTensor : static_cast<uint16_t>(index); }

uint16_t param_or_none(const std::array<int, runtime::kTrainTensorKindCount>& row,
                       TrainTensorKind kind) {
  return index16(row[static_cast<int>(kind)]);
}

bool has_weights(OpKind kind) {
  return kind == OpKind::kConv2d || kind == OpKind::kDepthwiseConv2d ||
         kind == OpKind::kFullyConnected;
}

void check_supported(const Graph& graph, const TrainingGraph& training) {
  for (const TrainOp& op : training.ops) {
    if (op.kind == TrainOpKind::kInputGradient) {
      const OpKind kind = graph.ops[op.layer].kind;
      if (!has_weights(kind) && kind != OpKind::kAdd && kind != OpKind::kGlobalAveragePool) {
        throw std::invalid_argument("op " + graph.ops[op.layer].name +
                                    ": the runtime has no backward kernel for this op kind");
      }
    }
  }
  if (training.logits != graph.output) {
    throw std::invalid_argument(
        "the model ends in a softmax; a training model needs the logits "
        "as its output");
  }
}

}  // namespace

std::vector<uint8_t> write_training_model(const ValidatedGraph& validated,
                                          const UpdateScheme& scheme, float learning_rate) {
  if (!(learning_rate > 0.0f) || !std::isfinite(learning_rate)) {
    throw std::invalid_argument("learning rate " + std::to_string(learning_rate) +
                                " is not a positive number");
  }
  const ValidatedGraph checked =
      validate_graph(validated.graph(), GraphUse::kModelFile, "write_training_model");
  const Graph& graph = checked.graph();
  const TrainingMemory memory = plan_training_memory(checked, scheme);
  const TrainingGraph& training = memory.training;
  const TrainingPlan& plan = memory.plan;
  check_supported(graph, training);

  // The inference part, laid out by the training plan.
  MemoryPlan inference;
  const size_t tensor_count = graph.tensors.size();
  inference.offsets.assign(tensor_count, -1);
  for (size_t t = 0; t < tensor_count; ++t) {
    const int train_tensor = training.activation_of[t];
    if (train_tensor >= 0) inference.offsets[t] = plan.offsets[train_tensor];
  }
  inference.in_place.assign(graph.ops.size(), false);
  inference.op_scratch.assign(graph.ops.size(), 0);
  for (size_t i = 0; i < training.ops.size(); ++i) {
    const TrainOp& op = training.ops[i];
    if (op.kind != TrainOpKind::kForward) continue;
    inference.in_place[op.layer] = plan.in_place[i];
    inference.op_scratch[op.layer] = op_scratch_bytes(graph, graph.ops[op.layer], plan.in_place[i]);
  }
  inference.arena_bytes = plan.arena_bytes;
  inference.scratch_bytes = plan.scratch_bytes;
  std::vector<uint8_t> bytes = write_model(checked, inference);

  // The training section, after the pool's next 16-byte boundary.
  const size_t begin = (bytes.size() + rt::kConstantPoolAlignment - 1) /
                       rt::kConstantPoolAlignment * rt::kConstantPoolAlignment;
  const size_t tensors = rt::kTrainingHeaderSize;
  const size_t ops = tensors + training.tensors.size() * rt::kTrainTensorRecordSize;
  const size_t layers = ops + training.ops.size() * rt::kTrainOpRecordSize;
  const size_t data = layers + training.layers.size() * rt::kTrainLayerRecordSize;
  std::vector<uint8_t> section(data, 0);
  auto append_data = [&](const void* values, size_t size) {
    while ((section.size() - data) % 4 != 0) section.push_back(0);
    const size_t at = section.size() - data;
    const auto* p = static_cast<const uint8_t*>(values);
    section.insert(section.end(), p, p + size);
    return static_cast<uint32_t>(at);
  };

  namespace th = rt::training_header;
  put_u32(section, th::kMagic, rt::kTrainingMagic);
  put_u16(section, th::kTensorCount, static_cast<uint32_t>(training.tensors.size()));
  put_u16(section, th::kOpCount, static_cast<uint32_t>(training.ops.size()));
  put_u16(section, th::kLayerCount, static_cast<uint32_t>(training.layers.size()));
  put_u16(section, th::kLogits, static_cast<uint32_t>(training.logits));
  put_f32(section, th::kLearningRate, learning_rate);
  put_u32(section, th::kTensorTableOffset, static_cast<uint32_t>(tensors));
  put_u32(section, th::kOpTableOffset, static_cast<uint32_t>(ops));
  put_u32(section, th::kLayerTableOffset, static_cast<uint32_t>(layers));
  put_u32(section, th::kDataOffset, static_cast<uint32_t>(data));

  std::vector<int> layer_of_op(graph.ops.size(), -1);
  for (size_t k = 0; k < training.layers.size(); ++k) {
    layer_of_op[training.layers[k].op] = static_cast<int>(k);
  }
  // Parameter tensors of each layer, by kind.
  std::vector<std::array<int, rt::kTrainTensorKindCount>> layer_tensor(training.layers.size());
  for (auto& row : layer_tensor) row.fill(-1);

  namespace ttr = rt::train_tensor_record;
  for (size_t t = 0; t < training.tensors.size(); ++t) {
    const TrainTensor& tensor = training.tensors[t];
    const size_t at = tensors + t * rt::kTrainTensorRecordSize;
    const bool per_tensor =
        tensor.kind == TrainTensorKind::kActivation || tensor.kind == TrainTensorKind::kGradient;
    section[at + ttr::kKind] = static_cast<uint8_t>(tensor.kind);
    put_u16(section, at + ttr::kModelTensor,
            per_tensor ? index16(tensor.graph_tensor) : rt::kNoTensor);
    const int layer = per_tensor ? -1 : layer_of_op[tensor.layer];
    put_u16(section, at + ttr::kLayer, index16(layer));
    if (layer >= 0) layer_tensor[layer][static_cast<int>(tensor.kind)] = static_cast<int>(t);
    put_u32(section, at + ttr::kOffset, static_cast<uint32_t>(plan.offsets[t]));
    put_u32(section, at + ttr::kSizeBytes, static_cast<uint32_t>(tensor.bytes));
  }

  namespace tor = rt::train_op_record;
  std::vector<bool> backward_seen(graph.ops.size(), false);
  for (size_t i = 0; i < training.ops.size(); ++i) {
    const TrainOp& op = training.ops[i];
    const size_t at = ops + i * rt::kTrainOpRecordSize;
    const Op& model_op = graph.ops[op.layer];
    uint16_t operands[tor::kOperandCount];
    std::fill(std::begin(operands), std::end(operands), rt::kNoTensor);
    uint8_t flags = 0;
    // The output's values when the backward keeps them (its fused activation's mask).
    const int kept = training.activation_of[model_op.output];
    const int output_act =
        std::find(op.reads.begin(), op.reads.end(), kept) != op.reads.end() ? kept : -1;
    const int output_grad = training.gradient_of[model_op.output];
    const int layer = layer_of_op[op.layer];
    auto param = [&](TrainTensorKind kind) { return index16(layer_tensor[layer][int(kind)]); };
    switch (op.kind) {
      case TrainOpKind::kForward:
        break;
      case TrainOpKind::kSaveChannels:
        operands[0] = index16(training.activation_of[model_op.inputs[0]]);
        operands[1] = param(TrainTensorKind::kSavedChannels);
        break;
      case TrainOpKind::kLossGradient:
        operands[0] = index16(kept);
        operands[1] = index16(output_grad);
        break;
      case TrainOpKind::kInputGradient:
        operands[0] = index16(output_act);
        operands[1] = index16(output_grad);
        for (size_t n = 0; n < model_op.inputs.size() && n < 2; ++n) {
          if (!op.input_has_gradient[n]) continue;
          flags |= static_cast<uint8_t>(rt::kTrainOpFlagInput0Gradient << n);
          if (op.accumulates[n])
            flags |= static_cast<uint8_t>(rt::kTrainOpFlagInput0Accumulates << n);
          operands[2 + n] = index16(training.gradient_of[model_op.inputs[n]]);
        }
        break;
      case TrainOpKind::kWeightGradient:
        operands[0] = index16(output_act);
        operands[1] = index16(output_grad);
        // The chosen input channels the forward saved (weight ratio below 1), else the input.
        operands[2] = layer_tensor[layer][int(TrainTensorKind::kSavedChannels)] >= 0
                          ? param(TrainTensorKind::kSavedChannels)
                          : index16(training.activation_of[model_op.inputs[0]]);
        operands[3] = param(TrainTensorKind::kWeightGradient);
        break;
      case TrainOpKind::kBiasGradient:
        operands[0] = index16(output_act);
        operands[1] = index16(output_grad);
        operands[2] = param(TrainTensorKind::kBiasGradient);
        break;
      case TrainOpKind::kUpdateWeights:
        operands[0] = param(TrainTensorKind::kWeightGradient);
        operands[1] = param(TrainTensorKind::kMasterWeights);
        operands[2] = param(TrainTensorKind::kTrainedWeights);
        break;
      case TrainOpKind::kUpdateBias:
        operands[0] = param(TrainTensorKind::kBiasGradient);
        operands[1] = param(TrainTensorKind::kMasterBias);
        operands[2] = param(TrainTensorKind::kTrainedBias);
        break;
    }
    const bool backward = op.kind == TrainOpKind::kInputGradient ||
                          op.kind == TrainOpKind::kWeightGradient ||
                          op.kind == TrainOpKind::kBiasGradient;
    if (backward && has_weights(model_op.kind) && !backward_seen[op.layer]) {
      flags |= rt::kTrainOpFlagOutputStage;
    }
    if (backward) backward_seen[op.layer] = true;
    section[at + tor::kKind] = static_cast<uint8_t>(op.kind);
    section[at + tor::kFlags] = flags;
    put_u16(section, at + tor::kModelOp, static_cast<uint32_t>(op.layer));
    for (int k = 0; k < tor::kOperandCount; ++k) {
      put_u16(section, at + tor::kOperands + 2 * k, operands[k]);
    }
  }

  namespace tlr = rt::train_layer_record;
  for (size_t k = 0; k < training.layers.size(); ++k) {
    const ResolvedLayer& layer = training.layers[k];
    const Op& op = graph.ops[layer.op];
    const size_t at = layers + k * rt::kTrainLayerRecordSize;
    std::vector<int32_t> channels(layer.channels.begin(), layer.channels.end());
    const std::vector<float>& scales = graph.tensors[op.weights].channel_scales;
    const uint32_t channels_at = append_data(channels.data(), channels.size() * 4);
    const uint32_t scales_at = append_data(scales.data(), scales.size() * 4);
    const uint32_t name_at = append_data(op.name.data(), op.name.size());
    if (op.name.empty() || op.name.size() > rt::kMaxLayerNameBytes) {
      throw std::invalid_argument("layer " + op.name + ": a name of 1 to 255 characters needed");
    }
    put_u16(section, at + tlr::kModelOp, static_cast<uint32_t>(layer.op));
    section[at + tlr::kFlags] =
        static_cast<uint8_t>((layer.bias ? rt::kTrainLayerFlagBias : 0) |
                             (layer.channels.empty() ? 0 : rt::kTrainLayerFlagWeights));
    put_u16(section, at + tlr::kChannelCount, static_cast<uint32_t>(channels.size()));
    put_u16(section, at + tlr::kNameLength, static_cast<uint32_t>(op.name.size()));
    put_u32(section, at + tlr::kChannelsOffset, channels_at);
    put_u32(section, at + tlr::kWeightScales, scales_at);
    put_f32(section, at + tlr::kInputScale, graph.tensors[op.inputs[0]].scale);
    put_u32(section, at + tlr::kNameOffset, name_at);
    put_u16(section, at + tlr::kTrainedWeights,
            param_or_none(layer_tensor[k], TrainTensorKind::kTrainedWeights));
    put_u16(section, at + tlr::kTrainedBias,
            param_or_none(layer_tensor[k], TrainTensorKind::kTrainedBias));
    put_u16(section, at + tlr::kMasterWeights,
            param_or_none(layer_tensor[k], TrainTensorKind::kMasterWeights));
    put_u16(section, at + tlr::kMasterBias,
            param_or_none(layer_tensor[k], TrainTensorKind::kMasterBias));
  }
  while (section.size() % 4 != 0) section.push_back(0);

  bytes.resize(begin, 0);
  bytes.insert(bytes.end(), section.begin(), section.end());
  namespace h = rt::header;
  put_u16(bytes, h::kVersion, rt::kTrainingFormatVersion);
  put_u32(bytes, h::kFlags, rt::load_u32(bytes.data() + h::kFlags) | rt::kModelFlagTraining);
  put_u32(bytes, h::kFileSize, static_cast<uint32_t>(bytes.size()));
  put_u32(bytes, h::kCrc32,
          rt::crc32(bytes.data() + rt::kHeaderSize, bytes.size() - rt::kHeaderSize));

  // The runtime's own checks: a file this writes is a file the board accepts.
  std::vector<uint32_t> aligned((bytes.size() + 3) / 4);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const auto* data_ptr = reinterpret_cast<const uint8_t*>(aligned.data());
  rt::ModelView view;
  rt::ValidationError error;
  rt::Status status =
      rt::validate_model(data_ptr, static_cast<uint32_t>(bytes.size()), &view, &error);
  if (status == rt::Status::kOk) status = rt::validate_training(view, nullptr, &error);
  if (status != rt::Status::kOk) {
    char message[160];
    rt::format_validation_error(error, message, sizeof(message));
    throw std::logic_error(
        std::string("write_training_model produced a file the runtime refuses: ") + message);
  }
  return bytes;
}

}  // namespace tinynas::compiler
