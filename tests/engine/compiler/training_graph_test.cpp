#include "engine/compiler/training_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/net_config_import.h"
#include "engine/compiler/training_planner.h"

namespace tinynas::compiler {
namespace {

Graph net(const std::string& name) {
  return build_graph(
      load_net_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/nets/" + name + ".json"));
}

UpdateScheme scheme_file(const std::string& name) {
  return load_update_scheme(std::string(TINYNAS_SOURCE_DIR) + "/configs/schemes/" + name + ".json");
}

TrainingGraph build(const Graph& graph, const UpdateScheme& scheme, bool reorder = true) {
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
  TrainingOptions options;
  options.reorder = reorder;
  return build_training_graph(validated, resolve_scheme(graph, scheme), options);
}

bool is_backward(TrainOpKind kind) {
  return kind == TrainOpKind::kInputGradient || kind == TrainOpKind::kWeightGradient ||
         kind == TrainOpKind::kBiasGradient || kind == TrainOpKind::kUpdateWeights ||
         kind == TrainOpKind::kUpdateBias;
}

TEST(TrainingGraph, NoBackwardOpBeforeTheEarliestTrainedLayer) {
  const Graph graph = net("mcunet-5fps");
  UpdateScheme scheme;
  scheme.layers = {{"blocks.10.project", true, 0}, {"blocks.12.depthwise", false, 4}};
  const TrainingGraph training = build(graph, scheme);
  const int earliest = find_op(graph, "blocks.10.project");
  for (const TrainOp& op : training.ops) {
    if (is_backward(op.kind)) {
      EXPECT_GE(op.layer, earliest) << train_op_kind_name(op.kind);
    }
  }
  // The chain stops at the earliest trained layer: no input gradient for it, its input has no
  // gradient.
  for (const TrainOp& op : training.ops) {
    if (op.kind == TrainOpKind::kInputGradient) {
      EXPECT_GT(op.layer, earliest);
    }
  }
  EXPECT_EQ(training.gradient_of[graph.ops[earliest].inputs[0]], -1);
  // Frozen layers after it still pass the gradient on, but get no weight or bias op.
  const int frozen = find_op(graph, "blocks.11.expand");
  for (const TrainOp& op : training.ops) {
    if (op.layer == frozen) {
      EXPECT_TRUE(op.kind == TrainOpKind::kForward || op.kind == TrainOpKind::kInputGradient);
    }
  }
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kWeightGradient), 1);
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kBiasGradient), 1);
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kLossGradient), 1);
}

TEST(TrainingGraph, BiasOnlySchemeHasNoWeightGradientOps) {
  const Graph graph = net("mcunet-5fps");
  const TrainingGraph training = build(graph, bias_only_scheme(graph));
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kWeightGradient), 0);
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kUpdateWeights), 0);
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kBiasGradient), 43);  // 42 convs + classifier
  for (const TrainTensor& tensor : training.tensors) {
    EXPECT_NE(tensor.kind, TrainTensorKind::kWeightGradient);
    EXPECT_NE(tensor.kind, TrainTensorKind::kSavedChannels);
  }
}

TEST(TrainingGraph, PartialRatioSavesOnlyTheChosenChannels) {
  const Graph graph = net("mcunet-5fps");
  UpdateScheme scheme;
  scheme.layers = {{"blocks.12.expand", false, 1}};  // 12 of 96 input channels
  const TrainingGraph training = build(graph, scheme);
  const int layer = find_op(graph, "blocks.12.expand");
  const Tensor& input = graph.tensors[graph.ops[layer].inputs[0]];
  int saved = 0;
  for (const TrainTensor& tensor : training.tensors) {
    if (tensor.kind != TrainTensorKind::kSavedChannels) continue;
    ++saved;
    EXPECT_EQ(tensor.bytes, input.shape.h * input.shape.w * 12);
  }
  EXPECT_EQ(saved, 1);
  EXPECT_EQ(count_train_ops(training, TrainOpKind::kSaveChannels), 1);
}

TEST(TrainingGraph, ReorderingAppliesEachUpdateRightAfterItsGradient) {
  const Graph graph = net("mcunet-5fps");
  const UpdateScheme scheme = scheme_file("mcunet-5fps-tiny-training-100kb");
  const TrainingGraph reordered = build(graph, scheme, true);
  const TrainingGraph naive = build(graph, scheme, false);
  for (size_t i = 0; i < reordered.ops.size(); ++i) {
    if (reordered.ops[i].kind == TrainOpKind::kWeightGradient) {
      EXPECT_EQ(reordered.ops[i + 1].kind, TrainOpKind::kUpdateWeights);
    }
    if (reordered.ops[i].kind == TrainOpKind::kBiasGradient) {
      EXPECT_EQ(reordered.ops[i + 1].kind, TrainOpKind::kUpdateBias);
    }
  }
  // Naive: no update before the last gradient op.
  size_t last_gradient = 0, first_update = naive.ops.size();
  for (size_t i = 0; i < naive.ops.size(); ++i) {
    const TrainOpKind kind = naive.ops[i].kind;
    if (kind == TrainOpKind::kWeightGradient || kind == TrainOpKind::kBiasGradient ||
        kind == TrainOpKind::kInputGradient) {
      last_gradient = i;
    }
    if (kind == TrainOpKind::kUpdateWeights || kind == TrainOpKind::kUpdateBias) {
      first_update = std::min(first_update, i);
    }
  }
  EXPECT_LT(last_gradient, first_update);
  EXPECT_EQ(reordered.ops.size(), naive.ops.size());
}

TEST(TrainingGraph, ReorderingLowersThePeakOnARealNet) {
  for (const std::string name : {"mcunet-5fps", "mobilenetv2-w0.35"}) {
    const Graph graph = net(name);
    const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
    for (const std::string scheme : {"-full", "-tiny-training-100kb"}) {
      TrainingOptions naive;
      naive.reorder = false;
      const int64_t with =
          plan_training_memory(validated, scheme_file(name + scheme)).plan.peak_sram_bytes();
      const int64_t without =
          plan_training_memory(validated, scheme_file(name + scheme), naive).plan.peak_sram_bytes();
      EXPECT_LT(with, without) << name << scheme;
    }
  }
}

// input 1x2x2x1 -> 1x1 conv to 4 channels (ReLU6) -> global pool -> fully connected 4 -> 8,
// training the classifier's weights and bias. Every size a multiple of 4, so alignment adds
// nothing and the arena is the most bytes live at once:
//   trained parameters: weights 32 (int8) + master 128 + bias 32 (int32) + master 32 = 224
//   op 0 conv        input 4 + conv 16                              + 224 = 244
//   op 1 pool        conv 16 + pool 4                               + 224 = 244
//   op 2 classifier  pool 4 + logits 8                              + 224 = 236
//   op 3 loss        pool 4 + logits 8 + grad(logits) 32            + 224 = 268
//   op 4 weight grad pool 4 + grad(logits) 32 + weight grad 128     + 224 = 388  <- peak
//   op 5 update w    grad(logits) 32 + weight grad 128              + 224 = 384
//   op 6 bias grad   grad(logits) 32 + bias grad 32                 + 224 = 288
//   op 7 update b    bias grad 32                                   + 224 = 256
// Without reordering the bias gradient is computed while the weight gradient waits for its
// update: op 5 holds grad(logits) 32 + weight grad 128 + bias grad 32 + 224 = 416.
Graph tiny_classifier_graph() {
  Graph graph;
  auto activation = [&](const char* name, TensorShape shape) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    tensor.scale = 0.05f;
    return graph.add_tensor(tensor);
  };
  auto weights = [&](const char* name, TensorShape shape) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    tensor.is_constant = true;
    tensor.channel_scales.assign(shape.n, 0.01f);
    tensor.data.assign(static_cast<size_t>(shape.elements()), 3);
    return graph.add_tensor(tensor);
  };
  graph.input = activation("input", {1, 2, 2, 1});
  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "conv";
  conv.inputs = {graph.input};
  conv.weights = weights("conv.weight", {4, 1, 1, 1});
  conv.bias.assign(4, 0);
  conv.activation = Activation::kRelu6;
  conv.output = activation("conv", {1, 2, 2, 4});
  graph.add_op(conv);
  Op pool;
  pool.kind = OpKind::kGlobalAveragePool;
  pool.name = "pool";
  pool.inputs = {conv.output};
  pool.output = activation("pool", {1, 1, 1, 4});
  graph.add_op(pool);
  Op classifier;
  classifier.kind = OpKind::kFullyConnected;
  classifier.name = "classifier";
  classifier.inputs = {pool.output};
  classifier.weights = weights("classifier.weight", {8, 1, 1, 4});
  classifier.bias.assign(8, 0);
  classifier.output = activation("classifier", {1, 1, 1, 8});
  graph.add_op(classifier);
  graph.output = classifier.output;
  return graph;
}

// A model read back from a .tnm names no activation when its ReLU6 is quantized to [0, 6] (the
// clamp is then the whole int8 range); the zero point at the int8 minimum still makes the floor a
// ReLU, so the conv's backward must keep its output for the mask (without it, gradients passed
// through every dead unit and the early layers' updates grew tens of times too large).
TEST(TrainingGraph, AnOutputWhoseFloorIsAReluIsKeptForTheMask) {
  for (const bool floor_at_zero : {true, false}) {
    Graph graph = tiny_classifier_graph();
    graph.ops[0].activation = Activation::kNone;
    graph.tensors[graph.ops[0].output].zero_point = floor_at_zero ? -128 : 0;
    UpdateScheme scheme;
    scheme.layers = {{"conv", true, 0}, {"classifier", true, 0}};
    const TrainingGraph training = build(graph, scheme);
    const int conv_output = training.activation_of[graph.ops[0].output];
    bool mask_read = false;
    for (const TrainOp& op : training.ops) {
      if (op.layer != 0 || op.kind != TrainOpKind::kBiasGradient) continue;
      mask_read = std::count(op.reads.begin(), op.reads.end(), conv_output) > 0;
    }
    EXPECT_EQ(mask_read, floor_at_zero) << "zero point " << (floor_at_zero ? -128 : 0);
  }
}

TEST(TrainingPlanner, PlannedPeakIsTheHandComputedFigure) {
  const Graph graph = tiny_classifier_graph();
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
  UpdateScheme scheme;
  scheme.layers = {{"classifier", true, 8}};
  const TrainingMemory reordered = plan_training_memory(validated, scheme);
  EXPECT_EQ(reordered.plan.live_bytes,
            (std::vector<int64_t>{244, 244, 236, 268, 388, 384, 288, 256}));
  EXPECT_EQ(reordered.plan.peak_op, 4);
  EXPECT_EQ(reordered.training.ops[4].kind, TrainOpKind::kWeightGradient);
  EXPECT_EQ(reordered.plan.arena_bytes, 388);
  const int64_t scratch = std::max({op_scratch_bytes(graph, graph.ops[0], false),
                                    op_scratch_bytes(graph, graph.ops[1], false),
                                    op_scratch_bytes(graph, graph.ops[2], false)});
  EXPECT_EQ(reordered.plan.scratch_bytes, scratch);
  EXPECT_EQ(reordered.plan.peak_sram_bytes(), 388 + scratch);

  TrainingOptions naive;
  naive.reorder = false;
  const TrainingMemory unordered = plan_training_memory(validated, scheme, naive);
  EXPECT_EQ(unordered.plan.arena_bytes, 416);
  EXPECT_EQ(unordered.plan.peak_op, 5);
}

TEST(TrainingPlanner, NoTwoLiveTensorsShareAByte) {
  const Graph graph = net("mcunet-5fps");
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
  const TrainingMemory memory =
      plan_training_memory(validated, scheme_file("mcunet-5fps-tiny-training-100kb"));
  const TrainingPlan& plan = memory.plan;
  const std::vector<TrainTensor>& tensors = memory.training.tensors;
  // An in-place depthwise writes over its input on purpose (the kernel's ring keeps the rows it
  // still reads).
  std::set<std::pair<int, int>> in_place;
  for (size_t i = 0; i < memory.training.ops.size(); ++i) {
    const TrainOp& op = memory.training.ops[i];
    if (plan.in_place[i]) in_place.insert({op.reads[0], op.writes[0]});
  }
  EXPECT_FALSE(in_place.empty());
  for (size_t a = 0; a < tensors.size(); ++a) {
    EXPECT_LE(plan.offsets[a] + tensors[a].bytes, plan.arena_bytes);
    for (size_t b = a + 1; b < tensors.size(); ++b) {
      const bool together =
          plan.first_use[a] <= plan.last_use[b] && plan.first_use[b] <= plan.last_use[a];
      const bool apart = plan.offsets[a] + tensors[a].bytes <= plan.offsets[b] ||
                         plan.offsets[b] + tensors[b].bytes <= plan.offsets[a];
      if (together && in_place.count({static_cast<int>(a), static_cast<int>(b)}) == 0) {
        EXPECT_TRUE(apart) << tensors[a].name << " / " << tensors[b].name;
      }
    }
  }
}

TEST(TrainingPlanner, DepthwiseRunsInPlaceOnlyWhereItsInputIsNotKept) {
  const Graph graph = net("mcunet-5fps");
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
  const TrainingMemory memory =
      plan_training_memory(validated, scheme_file("mcunet-5fps-tiny-training-100kb"));
  auto forward_of = [&](const std::string& name) {
    for (size_t i = 0; i < memory.training.ops.size(); ++i) {
      const TrainOp& op = memory.training.ops[i];
      if (op.kind == TrainOpKind::kForward && graph.ops[op.layer].name == name) return i;
    }
    return memory.training.ops.size();
  };
  // Frozen, before every trained layer: nothing keeps its input.
  EXPECT_TRUE(memory.plan.in_place[forward_of("blocks.1.depthwise")]);
  // Its input is the ReLU6 output of the trained blocks.13.expand, kept for that layer's mask.
  EXPECT_FALSE(memory.plan.in_place[forward_of("blocks.13.depthwise")]);
  const int64_t in_place = memory.plan.peak_sram_bytes();
  TrainingOptions no_in_place;
  no_in_place.in_place_depthwise = false;
  EXPECT_LE(in_place, plan_training_memory(
                          validated, scheme_file("mcunet-5fps-tiny-training-100kb"), no_in_place)
                          .plan.peak_sram_bytes());
}

TEST(TrainingPlanner, MasterCopiesAreCountedOnlyWhenKept) {
  const Graph graph = tiny_classifier_graph();
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
  UpdateScheme scheme;
  scheme.layers = {{"classifier", true, 8}};
  TrainingOptions options;
  options.master_copies = false;
  const TrainingMemory memory = plan_training_memory(validated, scheme, options);
  // The hand-computed plan without the 128 + 32 bytes of master copies.
  EXPECT_EQ(memory.plan.arena_bytes, 388 - 160);
  for (const TrainOp& op : memory.training.ops) {
    if (op.kind == TrainOpKind::kUpdateWeights) {
      EXPECT_EQ(op.reads.size(), 2u);
    }
  }
}

TEST(TrainingPlanner, MinimumIsTheClassifierBiasAlone) {
  const Graph graph = net("mcunet-5fps");
  const ValidatedGraph validated = validate_graph(graph, GraphUse::kPlanning);
  const int64_t minimum = minimum_training_bytes(validated);
  const TrainingMemory bias_only = plan_training_memory(validated, bias_only_scheme(graph));
  EXPECT_GT(minimum, 0);
  EXPECT_LE(minimum, bias_only.plan.peak_sram_bytes());
  // Nothing to train is an error, not a zero.
  EXPECT_THROW(plan_training_memory(validated, UpdateScheme{}), std::invalid_argument);
}

}  // namespace
}  // namespace tinynas::compiler
