// The training graph of a model under a sparse-update scheme, compiled ahead of time (Tiny
// Training, Lin et al., NeurIPS 2022, section 4; PockEngine): the forward ops, a softmax
// cross-entropy loss gradient at the classifier, and only the backward ops the scheme needs:
//
// - a tensor has a gradient when it is the output of a trained layer or is computed from one
//   (forward reachability), so a frozen layer before the earliest trained one gets no op, and
//   the input-gradient chain stops at the earliest trained layer (its input has no gradient);
// - a trained layer gets a weight-gradient op over its chosen channels (update_scheme.h) and a
//   bias-gradient op, each followed by its update op;
// - the forward pass keeps, as int8, only what those ops read: the input of a layer whose weights
//   train (its chosen channels only, copied by a save-channels op, when the ratio is below 1),
//   and the output of every layer with a fused activation that the gradient crosses (its
//   ReLU / ReLU6 mask: the gradient passes where the output is strictly inside the clamp);
//   everything else dies where inference would free it.
//
// Order (operator reordering, Tiny Training section 4): backward layer by layer from the
// classifier; per layer, the input gradient first (with the weights before the update), then the
// weight gradient and at once its update, then the bias gradient and its update, so each
// gradient buffer dies where it is born. `reorder = false` gives the naive order: every gradient
// first, then every update, each gradient buffer living to the end.
//
// Gradients are float32 (4 bytes an element), in real units. Trained parameters live in SRAM for
// the whole run (TrainTensor::persistent): the layer's int8 weights (the whole tensor: chosen
// input channels interleave frozen ones in the OHWI rows the forward kernel reads) and int32
// bias, which the forward kernels read, and (TrainingOptions::master_copies) float32 master copies
// of the chosen weights and of the bias, which the updates accumulate into before re-quantizing
// with the existing scales.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/graph_validation.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::compiler {

enum class TrainTensorKind {
  kActivation,      // int8 forward activation (the graph's tensor); kept longer when saved
  kSavedChannels,   // int8 chosen input channels of a layer whose weights train (ratio < 1)
  kGradient,        // float32 gradient of a graph activation
  kWeightGradient,  // float32 gradient of a layer's chosen weights
  kBiasGradient,    // float32 gradient of a layer's bias
  kTrainedWeights,  // int8 weights of a layer whose weights train, in SRAM (persistent)
  kTrainedBias,     // int32 bias of a trained layer, in SRAM (persistent)
  kMasterWeights,   // float32 master copy of a layer's chosen weights (persistent)
  kMasterBias,      // float32 master copy of a layer's bias (persistent)
};
inline constexpr int kTrainTensorKindCount = 9;
// "activation", "saved channels", "gradient", ... (reports).
const char* train_tensor_kind_name(TrainTensorKind kind);

struct TrainTensor {
  std::string name;  // "blocks.3.expand" (activation), "grad:blocks.3.expand", ...
  TrainTensorKind kind = TrainTensorKind::kActivation;
  int64_t bytes = 0;
  int graph_tensor = -1;    // kActivation: that tensor; kGradient: the tensor it is the gradient of
  int layer = -1;           // the other kinds: the op (index in the graph) they belong to
  bool persistent = false;  // lives through every step (trained parameters)
};

enum class TrainOpKind {
  kForward,         // the graph's op `layer`
  kSaveChannels,    // copies `layer`'s chosen input channels out of its input
  kLossGradient,    // softmax cross-entropy: logits and label -> gradient of the logits
  kInputGradient,   // gradient of `layer`'s inputs from its output's gradient
  kWeightGradient,  // gradient of `layer`'s chosen weights
  kBiasGradient,    // gradient of `layer`'s bias
  kUpdateWeights,   // SGD + QAS on `layer`'s chosen weights (master copy, then int8)
  kUpdateBias,      // SGD + QAS on `layer`'s bias (master copy, then int32)
};
// "forward", "save channels", "loss gradient", ... (reports).
const char* train_op_kind_name(TrainOpKind kind);

struct TrainOp {
  TrainOpKind kind = TrainOpKind::kForward;
  int layer = -1;           // graph op index (kLossGradient: the op producing the logits)
  std::vector<int> reads;   // train tensor indices
  std::vector<int> writes;  // train tensor indices
  // kInputGradient: per input of the layer, whether its gradient is written (false: that input
  // needs none) and whether it adds to a gradient another reader of the tensor wrote before.
  std::vector<bool> input_has_gradient;
  std::vector<bool> accumulates;
};

struct TrainingOptions {
  bool reorder = true;  // operator reordering (each update right after its gradient)
  // Float32 master copies of the trained weights and biases, which the updates accumulate into
  // (false: the update re-quantizes straight into the int8 weights / int32 bias, as Tiny
  // Training's engine does, and small steps round away).
  bool master_copies = true;
  bool in_place_depthwise = true;  // planning: in-place depthwise in the forward pass
};

struct TrainingGraph {
  const Graph* graph = nullptr;
  std::vector<ResolvedLayer> layers;  // the trained layers, in op order
  std::vector<TrainTensor> tensors;
  std::vector<TrainOp> ops;  // execution order of one training step
  int logits = -1;           // the graph tensor the loss reads
  bool reordered = true;
  // Train tensor of a graph activation / of its gradient, -1 when there is none.
  std::vector<int> activation_of;
  std::vector<int> gradient_of;
};

// Throws std::invalid_argument when the scheme trains nothing or the graph has no layer with
// weights feeding its output.
TrainingGraph build_training_graph(const ValidatedGraph& graph,
                                   const std::vector<ResolvedLayer>& layers,
                                   const TrainingOptions& options = {});

// Ops of one kind (tests, reports).
int count_train_ops(const TrainingGraph& training, TrainOpKind kind);

}  // namespace tinynas::compiler
