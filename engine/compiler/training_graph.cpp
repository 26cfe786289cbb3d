#include "engine/compiler/training_graph.h"

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>

namespace tinynas::compiler {
namespace {

constexpr int64_t kFloatBytes = 4;
constexpr int64_t kBiasBytes = 4;  // int32

// Where the layers' chosen channels and persistent state go.
struct LayerTensors {
  int saved = -1;  // kSavedChannels, or -1 (the whole input is kept, or no weight update)
  int weight_gradient = -1;
  int bias_gradient = -1;
  int trained_weights = -1;
  int trained_bias = -1;
  int master_weights = -1;
  int master_bias = -1;
};

// The input channels a depthwise conv's chosen (output) channels read; a conv's and a fully
// connected layer's chosen channels are input channels already.
std::vector<int> input_channels_read(const Graph& graph, const Op& op,
                                     const std::vector<int>& channels) {
  if (op.kind != OpKind::kDepthwiseConv2d) return channels;
  const int multiplier = graph.tensors[op.output].shape.c / graph.tensors[op.inputs[0]].shape.c;
  std::set<int> inputs;
  for (int c : channels) inputs.insert(c / multiplier);
  return {inputs.begin(), inputs.end()};
}

class Builder {
 public:
  Builder(const Graph& graph, const std::vector<ResolvedLayer>& layers,
          const TrainingOptions& options)
      : graph_(graph), reorder_(options.reorder), master_copies_(options.master_copies) {
    training_.graph = &graph;
    training_.layers = layers;
    training_.reordered = options.reorder;
    training_.activation_of.assign(graph.tensors.size(), -1);
    training_.gradient_of.assign(graph.tensors.size(), -1);
    layer_of_.assign(graph.ops.size(), -1);
    for (size_t k = 0; k < layers.size(); ++k) layer_of_[layers[k].op] = static_cast<int>(k);
    layer_tensors_.resize(layers.size());
  }

  TrainingGraph build() {
    if (training_.layers.empty()) {
      throw std::invalid_argument("build_training_graph: the scheme trains no layer");
    }
    find_logits();
    mark_gradients();
    add_tensors();
    add_forward_ops();
    add_loss_op();
    add_backward_ops();
    return std::move(training_);
  }

 private:
  // The classifier's output: the graph output, or the input of a softmax producing it (the loss
  // gradient computes the softmax itself, so that op does not run).
  void find_logits() {
    training_.logits = graph_.output;
    for (size_t i = 0; i < graph_.ops.size(); ++i) {
      const Op& op = graph_.ops[i];
      if (op.output == graph_.output && op.kind == OpKind::kSoftmax) {
        training_.logits = op.inputs[0];
        skipped_op_ = static_cast<int>(i);
      }
    }
  }
  bool runs(int op) const { return op != skipped_op_; }

  // A tensor needs a gradient when a trained layer's output leads to it and it leads to the
  // logits.
  void mark_gradients() {
    const size_t tensor_count = graph_.tensors.size();
    std::vector<bool> from_trained(tensor_count, false);
    for (size_t i = 0; i < graph_.ops.size(); ++i) {
      const Op& op = graph_.ops[i];
      if (!runs(static_cast<int>(i))) continue;
      bool reached = layer_of_[i] >= 0;
      for (int input : op.inputs) reached = reached || from_trained[input];
      from_trained[op.output] = reached;
    }
    std::vector<bool> to_logits(tensor_count, false);
    to_logits[training_.logits] = true;
    for (size_t i = graph_.ops.size(); i-- > 0;) {
      const Op& op = graph_.ops[i];
      if (!runs(static_cast<int>(i)) || !to_logits[op.output]) continue;
      for (int input : op.inputs) to_logits[input] = true;
    }
    needs_gradient_.assign(tensor_count, false);
    for (size_t t = 0; t < tensor_count; ++t) needs_gradient_[t] = from_trained[t] && to_logits[t];
    for (const ResolvedLayer& layer : training_.layers) {
      if (!needs_gradient_[graph_.ops[layer.op].output]) {
        throw std::invalid_argument("build_training_graph: trained layer " +
                                    describe_op(graph_, layer.op) + " does not feed the logits");
      }
    }
  }

  int add_tensor(std::string name, TrainTensorKind kind, int64_t bytes, int graph_tensor, int layer,
                 bool persistent = false) {
    TrainTensor tensor;
    tensor.name = std::move(name);
    tensor.kind = kind;
    tensor.bytes = bytes;
    tensor.graph_tensor = graph_tensor;
    tensor.layer = layer;
    tensor.persistent = persistent;
    training_.tensors.push_back(std::move(tensor));
    return static_cast<int>(training_.tensors.size()) - 1;
  }

  void add_tensors() {
    auto add_activation = [&](int t) {
      if (training_.activation_of[t] >= 0) return;
      training_.activation_of[t] = add_tensor(graph_.tensors[t].name, TrainTensorKind::kActivation,
                                              graph_.tensors[t].bytes(), t, -1);
    };
    add_activation(graph_.input);
    for (size_t i = 0; i < graph_.ops.size(); ++i) {
      if (runs(static_cast<int>(i))) add_activation(graph_.ops[i].output);
    }
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
      if (!needs_gradient_[t]) continue;
      training_.gradient_of[t] =
          add_tensor("grad:" + graph_.tensors[t].name, TrainTensorKind::kGradient,
                     graph_.tensors[t].shape.elements() * kFloatBytes, static_cast<int>(t), -1);
    }
    for (size_t k = 0; k < training_.layers.size(); ++k) {
      const ResolvedLayer& layer = training_.layers[k];
      const Op& op = graph_.ops[layer.op];
      const Tensor& weights = graph_.tensors[op.weights];
      const int out_channels = graph_.tensors[op.output].shape.c;
      LayerTensors& tensors = layer_tensors_[k];
      if (!layer.channels.empty()) {
        const int64_t chosen_weights = weights.shape.elements() / weights.shape.c *
                                       static_cast<int64_t>(layer.channels.size());
        if (static_cast<int>(layer.channels.size()) < weights.shape.c) {
          const Tensor& input = graph_.tensors[op.inputs[0]];
          const int64_t read =
              static_cast<int64_t>(input_channels_read(graph_, op, layer.channels).size());
          // A fully connected layer's channels are its K flattened input values.
          const int64_t pixels =
              op.kind == OpKind::kFullyConnected ? 1 : input.shape.elements() / input.shape.c;
          tensors.saved = add_tensor("saved:" + op.name, TrainTensorKind::kSavedChannels,
                                     pixels * read, -1, layer.op);
        }
        tensors.weight_gradient = add_tensor("wgrad:" + op.name, TrainTensorKind::kWeightGradient,
                                             chosen_weights * kFloatBytes, -1, layer.op);
        tensors.trained_weights = add_tensor(op.name + ".weight", TrainTensorKind::kTrainedWeights,
                                             weights.bytes(), -1, layer.op, true);
        if (master_copies_) {
          tensors.master_weights =
              add_tensor("master:" + op.name + ".weight", TrainTensorKind::kMasterWeights,
                         chosen_weights * kFloatBytes, -1, layer.op, true);
        }
      }
      if (layer.bias) {
        tensors.bias_gradient = add_tensor("bgrad:" + op.name, TrainTensorKind::kBiasGradient,
                                           out_channels * kFloatBytes, -1, layer.op);
        tensors.trained_bias = add_tensor(op.name + ".bias", TrainTensorKind::kTrainedBias,
                                          out_channels * kBiasBytes, -1, layer.op, true);
        if (master_copies_) {
          tensors.master_bias =
              add_tensor("master:" + op.name + ".bias", TrainTensorKind::kMasterBias,
                         out_channels * kFloatBytes, -1, layer.op, true);
        }
      }
    }
  }

  void push(TrainOpKind kind, int layer, std::vector<int> reads, std::vector<int> writes) {
    TrainOp op;
    op.kind = kind;
    op.layer = layer;
    for (int t : reads) {
      if (t >= 0) op.reads.push_back(t);
    }
    for (int t : writes) {
      if (t >= 0) op.writes.push_back(t);
    }
    training_.ops.push_back(std::move(op));
  }

  void add_forward_ops() {
    for (size_t i = 0; i < graph_.ops.size(); ++i) {
      if (!runs(static_cast<int>(i))) continue;
      const Op& op = graph_.ops[i];
      const int index = static_cast<int>(i);
      std::vector<int> reads;
      for (int input : op.inputs) reads.push_back(training_.activation_of[input]);
      if (layer_of_[i] >= 0) {
        const LayerTensors& tensors = layer_tensors_[layer_of_[i]];
        if (tensors.saved >= 0) push(TrainOpKind::kSaveChannels, index, reads, {tensors.saved});
        reads.push_back(tensors.trained_weights);
        reads.push_back(tensors.trained_bias);
      }
      push(TrainOpKind::kForward, index, reads, {training_.activation_of[op.output]});
    }
  }

  int producer_of(int tensor) const {
    for (size_t i = 0; i < graph_.ops.size(); ++i) {
      if (graph_.ops[i].output == tensor) return static_cast<int>(i);
    }
    return -1;
  }

  void add_loss_op() {
    push(TrainOpKind::kLossGradient, producer_of(training_.logits),
         {training_.activation_of[training_.logits]}, {training_.gradient_of[training_.logits]});
  }

  // What the backward of `op` reads besides gradients: its int8 output for the mask of a fused
  // activation (and a softmax's Jacobian), its input for a max pool's arg-max. An output whose
  // zero point is the int8 minimum starts its real range at 0: its int8 floor is a ReLU even
  // when no activation is named (a model read back from a .tnm, where a ReLU6 quantized to
  // [0, 6] stores the whole int8 range as its clamp), and the gradient must stop there too.
  std::vector<int> forward_values_read(const Op& op) const {
    std::vector<int> reads;
    const bool floor_is_relu =
        graph_.tensors[op.output].zero_point == std::numeric_limits<int8_t>::min();
    if ((op_has_activation(op.kind) && (op.activation != Activation::kNone || floor_is_relu)) ||
        op.kind == OpKind::kSoftmax) {
      reads.push_back(training_.activation_of[op.output]);
    }
    if (op.kind == OpKind::kMaxPool2d) reads.push_back(training_.activation_of[op.inputs[0]]);
    return reads;
  }

  void add_backward_ops() {
    std::vector<bool> written(graph_.tensors.size(), false);
    written[training_.logits] = true;
    std::vector<int> pending_updates;  // layer indices, naive order only
    for (size_t i = graph_.ops.size(); i-- > 0;) {
      const Op& op = graph_.ops[i];
      const int index = static_cast<int>(i);
      if (!runs(index) || !needs_gradient_[op.output]) continue;
      const int output_gradient = training_.gradient_of[op.output];
      const std::vector<int> values = forward_values_read(op);

      TrainOp input_gradient;
      input_gradient.kind = TrainOpKind::kInputGradient;
      input_gradient.layer = index;
      input_gradient.reads = values;
      input_gradient.reads.push_back(output_gradient);
      for (int input : op.inputs) {
        const bool has = needs_gradient_[input];
        input_gradient.input_has_gradient.push_back(has);
        input_gradient.accumulates.push_back(has && written[input]);
        if (!has) continue;
        if (written[input]) input_gradient.reads.push_back(training_.gradient_of[input]);
        input_gradient.writes.push_back(training_.gradient_of[input]);
        written[input] = true;
      }
      if (!input_gradient.writes.empty()) training_.ops.push_back(std::move(input_gradient));

      if (layer_of_[i] < 0) continue;
      const LayerTensors& tensors = layer_tensors_[layer_of_[i]];
      std::vector<int> reads = values;
      reads.push_back(output_gradient);
      if (tensors.weight_gradient >= 0) {
        std::vector<int> weight_reads = reads;
        weight_reads.push_back(tensors.saved >= 0 ? tensors.saved
                                                  : training_.activation_of[op.inputs[0]]);
        push(TrainOpKind::kWeightGradient, index, weight_reads, {tensors.weight_gradient});
        if (reorder_) push_weight_update(index, tensors);
      }
      if (tensors.bias_gradient >= 0) {
        push(TrainOpKind::kBiasGradient, index, reads, {tensors.bias_gradient});
        if (reorder_) push_bias_update(index, tensors);
      }
      if (!reorder_) pending_updates.push_back(index);
    }
    for (auto it = pending_updates.rbegin(); it != pending_updates.rend(); ++it) {
      const LayerTensors& tensors = layer_tensors_[layer_of_[*it]];
      if (tensors.weight_gradient >= 0) push_weight_update(*it, tensors);
      if (tensors.bias_gradient >= 0) push_bias_update(*it, tensors);
    }
  }

  void push_weight_update(int index, const LayerTensors& tensors) {
    push(TrainOpKind::kUpdateWeights, index,
         {tensors.weight_gradient, tensors.master_weights, tensors.trained_weights},
         {tensors.master_weights, tensors.trained_weights});
  }
  void push_bias_update(int index, const LayerTensors& tensors) {
    push(TrainOpKind::kUpdateBias, index,
         {tensors.bias_gradient, tensors.master_bias, tensors.trained_bias},
         {tensors.master_bias, tensors.trained_bias});
  }

  const Graph& graph_;
  bool reorder_;
  bool master_copies_;
  TrainingGraph training_;
  int skipped_op_ = -1;
  std::vector<int> layer_of_;
  std::vector<LayerTensors> layer_tensors_;
  std::vector<bool> needs_gradient_;
};

}  // namespace

const char* train_tensor_kind_name(TrainTensorKind kind) {
  switch (kind) {
    case TrainTensorKind::kActivation:
      return "activations (int8)";
    case TrainTensorKind::kSavedChannels:
      return "saved input channels (int8)";
    case TrainTensorKind::kGradient:
      return "activation gradients (float32)";
    case TrainTensorKind::kWeightGradient:
      return "weight gradients (float32)";
    case TrainTensorKind::kBiasGradient:
      return "bias gradients (float32)";
    case TrainTensorKind::kTrainedWeights:
      return "trained weights in SRAM (int8)";
    case TrainTensorKind::kTrainedBias:
      return "trained biases in SRAM (int32)";
    case TrainTensorKind::kMasterWeights:
      return "master weights (float32)";
    case TrainTensorKind::kMasterBias:
      return "master biases (float32)";
  }
  return "unknown";
}

const char* train_op_kind_name(TrainOpKind kind) {
  switch (kind) {
    case TrainOpKind::kForward:
      return "forward";
    case TrainOpKind::kSaveChannels:
      return "save channels";
    case TrainOpKind::kLossGradient:
      return "loss gradient";
    case TrainOpKind::kInputGradient:
      return "input gradient";
    case TrainOpKind::kWeightGradient:
      return "weight gradient";
    case TrainOpKind::kBiasGradient:
      return "bias gradient";
    case TrainOpKind::kUpdateWeights:
      return "update weights";
    case TrainOpKind::kUpdateBias:
      return "update bias";
  }
  return "unknown";
}

TrainingGraph build_training_graph(const ValidatedGraph& graph,
                                   const std::vector<ResolvedLayer>& layers,
                                   const TrainingOptions& options) {
  if (!graph.valid_for(GraphUse::kPlanning)) {
    const ValidatedGraph planning =
        validate_graph(graph.graph(), GraphUse::kPlanning, "build_training_graph");
    return Builder(planning.graph(), layers, options).build();
  }
  return Builder(graph.graph(), layers, options).build();
}

int count_train_ops(const TrainingGraph& training, TrainOpKind kind) {
  return static_cast<int>(std::count_if(training.ops.begin(), training.ops.end(),
                                        [kind](const TrainOp& op) { return op.kind == kind; }));
}

}  // namespace tinynas::compiler
