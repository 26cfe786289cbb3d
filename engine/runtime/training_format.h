// The training section of a .tnm file (format version 3, kModelFlagTraining): one training step
// of the model, compiled ahead (engine/compiler/training_graph.h) and planned
// (training_planner.h). Shared by the reader (runtime) and the writer (compiler); prose in
// docs/model-format.md, "Training section".
//
// The inference part of the file is a complete model whose activations sit at the training
// plan's offsets and whose arena size is the training arena; the training section starts at the
// first 16-byte boundary after the constant pool and runs to the end of the file:
//
//   [section header 32 B][train tensors: count x 16 B][train ops: count x 16 B]
//   [layers: count x 32 B][data: channel lists, weight scales, names]
//
// Offsets in the section are relative to its start; every table and array is 4-byte aligned.
#pragma once

#include <stdint.h>

namespace tinynas::runtime {

inline constexpr uint16_t kTrainingFormatVersion = 3;    // the first version with the section
inline constexpr uint32_t kTrainingMagic = 0x52544E54u;  // "TNTR" read as little-endian u32
inline constexpr uint32_t kTrainingHeaderSize = 32;
inline constexpr uint32_t kTrainTensorRecordSize = 16;
inline constexpr uint32_t kTrainOpRecordSize = 16;
inline constexpr uint32_t kTrainLayerRecordSize = 32;
inline constexpr uint16_t kMaxTrainTensors = 8192;
inline constexpr uint16_t kMaxTrainOps = 8192;
inline constexpr uint16_t kMaxTrainedLayers = 1024;
inline constexpr uint16_t kMaxLayerNameBytes = 255;

// Header field offsets (relative to the section).
namespace training_header {
inline constexpr uint32_t kMagic = 0;               // u32, kTrainingMagic
inline constexpr uint32_t kTensorCount = 4;         // u16, [1, kMaxTrainTensors]
inline constexpr uint32_t kOpCount = 6;             // u16, [1, kMaxTrainOps]
inline constexpr uint32_t kLayerCount = 8;          // u16, [1, kMaxTrainedLayers]
inline constexpr uint32_t kLogits = 10;             // u16, the model tensor the loss reads
inline constexpr uint32_t kLearningRate = 12;       // f32, finite, > 0
inline constexpr uint32_t kTensorTableOffset = 16;  // u32, == kTrainingHeaderSize
inline constexpr uint32_t kOpTableOffset = 20;      // u32, right after the tensor table
inline constexpr uint32_t kLayerTableOffset = 24;   // u32, right after the op table
inline constexpr uint32_t kDataOffset = 28;         // u32, right after the layer table
}  // namespace training_header

// TrainTensorKind of the compiler, by value.
enum class TrainTensorKind : uint8_t {
  kActivation = 0,      // int8, the model tensor's own arena bytes
  kSavedChannels = 1,   // int8, input pixels x the input channels the chosen channels read
  kGradient = 2,        // float32, elements of the model tensor
  kWeightGradient = 3,  // float32, chosen channels x taps
  kBiasGradient = 4,    // float32, output channels
  kTrainedWeights = 5,  // int8, the layer's whole weight tensor (persistent)
  kTrainedBias = 6,     // int32, output channels (persistent)
  kMasterWeights = 7,   // float32, chosen channels x taps (persistent)
  kMasterBias = 8,      // float32, output channels (persistent)
};
inline constexpr uint8_t kTrainTensorKindCount = 9;

// Train tensor record.
namespace train_tensor_record {
inline constexpr uint32_t kKind = 0;         // u8, TrainTensorKind
inline constexpr uint32_t kReserved0 = 1;    // u8, zero
inline constexpr uint32_t kModelTensor = 2;  // u16, kActivation / kGradient: the model tensor
inline constexpr uint32_t kLayer = 4;        // u16, the parameter kinds: layer-table index
inline constexpr uint32_t kReserved1 = 6;    // u16, zero
inline constexpr uint32_t kOffset = 8;       // u32, arena offset, 4-aligned for float / int32
inline constexpr uint32_t kSizeBytes = 12;   // u32, the kind's size
}  // namespace train_tensor_record

// TrainOpKind of the compiler, by value.
enum class TrainOpKind : uint8_t {
  kForward = 0,
  kSaveChannels = 1,
  kLossGradient = 2,
  kInputGradient = 3,
  kWeightGradient = 4,
  kBiasGradient = 5,
  kUpdateWeights = 6,
  kUpdateBias = 7,
};
inline constexpr uint8_t kTrainOpKindCount = 8;

enum TrainOpFlags : uint8_t {
  // The first backward op of a conv / depthwise / FC layer: it turns the output gradient into
  // the accumulator gradient in place (conv_output_backward_s8) before its own work.
  kTrainOpFlagOutputStage = 1u << 0,
  // kInputGradient: input k of the model op gets a gradient (bit 1 + k) / adds to one an
  // earlier op wrote (bit 3 + k).
  kTrainOpFlagInput0Gradient = 1u << 1,
  kTrainOpFlagInput1Gradient = 1u << 2,
  kTrainOpFlagInput0Accumulates = 1u << 3,
  kTrainOpFlagInput1Accumulates = 1u << 4,
};

// Train op record. Operand roles per kind (kNoTensor where unused):
//   kForward        -                                     (trained parameters: the layer's)
//   kSaveChannels   [0] input activation   [1] saved channels (a layer with a weight ratio < 1)
//   kLossGradient   [0] logits activation  [1] logits gradient
//   kInputGradient  [0] output activation  [1] output gradient  [2] input 0 gradient
//                   [3] input 1 gradient
//   kWeightGradient [0] output activation  [1] output gradient  [2] input activation, or the
//                   layer's saved channels when its weight ratio is below 1  [3] weight gradient
//   kBiasGradient   [0] output activation  [1] output gradient  [2] bias gradient
//   kUpdateWeights  [0] weight gradient    [1] master weights   [2] trained weights
//   kUpdateBias     [0] bias gradient      [1] master bias      [2] trained bias
namespace train_op_record {
inline constexpr uint32_t kKind = 0;      // u8, TrainOpKind
inline constexpr uint32_t kFlags = 1;     // u8, TrainOpFlags
inline constexpr uint32_t kModelOp = 2;   // u16, the model op (kLossGradient: the logits' producer)
inline constexpr uint32_t kOperands = 4;  // 6 x u16, train tensor indices
inline constexpr int kOperandCount = 6;
}  // namespace train_op_record

enum TrainLayerFlags : uint8_t {
  kTrainLayerFlagBias = 1u << 0,     // the bias trains
  kTrainLayerFlagWeights = 1u << 1,  // the chosen channels' weights train
};

// Trained layer record.
namespace train_layer_record {
inline constexpr uint32_t kModelOp = 0;          // u16, a conv / depthwise / FC op
inline constexpr uint32_t kFlags = 2;            // u8, TrainLayerFlags (not 0)
inline constexpr uint32_t kReserved = 3;         // u8, zero
inline constexpr uint32_t kChannelCount = 4;     // u16, chosen channels (0 without weights)
inline constexpr uint32_t kNameLength = 6;       // u16, [1, kMaxLayerNameBytes]
inline constexpr uint32_t kChannelsOffset = 8;   // u32, data: int32[count], ascending
inline constexpr uint32_t kWeightScales = 12;    // u32, data: f32[output channels] s_W(c) > 0
inline constexpr uint32_t kInputScale = 16;      // f32, s_x > 0
inline constexpr uint32_t kNameOffset = 20;      // u32, data: the op's name (printable ASCII)
inline constexpr uint32_t kTrainedWeights = 24;  // u16, train tensor or kNoTensor
inline constexpr uint32_t kTrainedBias = 26;     // u16, train tensor or kNoTensor
inline constexpr uint32_t kMasterWeights = 28;   // u16, train tensor or kNoTensor
inline constexpr uint32_t kMasterBias = 30;      // u16, train tensor or kNoTensor
}  // namespace train_layer_record

}  // namespace tinynas::runtime
