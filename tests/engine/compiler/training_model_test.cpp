// The .tnm training format and the runtime's training executor: written by the compiler, checked
// by the runtime's validator, run step by step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/net_config_import.h"
#include "engine/compiler/training_model_writer.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/interpreter.h"
#include "engine/runtime/kernel_params.h"
#include "engine/runtime/op_dispatch.h"
#include "engine/runtime/training_executor.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::compiler {
namespace {

namespace rt = runtime;

int add_activation(Graph& graph, const char* name, TensorShape shape, float scale, int zero_point) {
  Tensor tensor;
  tensor.name = name;
  tensor.shape = shape;
  tensor.scale = scale;
  tensor.zero_point = zero_point;
  return graph.add_tensor(tensor);
}

// Deterministic int8 weights in [-30, 30]; scale of output channel c: base + step * c.
int add_weights(Graph& graph, const char* name, TensorShape shape, int channels, int seed,
                float base_scale, float scale_step) {
  Tensor tensor;
  tensor.name = name;
  tensor.shape = shape;
  tensor.is_constant = true;
  for (int c = 0; c < channels; ++c) tensor.channel_scales.push_back(base_scale + scale_step * c);
  for (int64_t i = 0; i < shape.elements(); ++i) {
    tensor.data.push_back(static_cast<int8_t>((i * 37 + seed) % 61 - 30));
  }
  return graph.add_tensor(tensor);
}

// input 1x4x4x2 -> conv 1x1 (4, ReLU) -> global average pool -> classifier (2 classes).
Graph two_class_graph() {
  Graph graph;
  auto activation = [&](const char* name, TensorShape shape, float scale, int zero_point) {
    return add_activation(graph, name, shape, scale, zero_point);
  };
  auto weights = [&](const char* name, TensorShape shape, int seed) {
    return add_weights(graph, name, shape, shape.n, seed, 0.02f, 0.0f);
  };
  graph.input = activation("input", {1, 4, 4, 2}, 0.05f, -10);
  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "conv";
  conv.inputs = {graph.input};
  conv.weights = weights("conv.weight", {4, 1, 1, 2}, 5);
  conv.bias.assign(4, 10);
  conv.activation = Activation::kRelu;
  conv.output = activation("conv", {1, 4, 4, 4}, 0.04f, -128);
  graph.add_op(conv);
  Op pool;
  pool.kind = OpKind::kGlobalAveragePool;
  pool.name = "pool";
  pool.inputs = {conv.output};
  pool.output = activation("pool", {1, 1, 1, 4}, 0.04f, -128);
  graph.add_op(pool);
  Op classifier;
  classifier.kind = OpKind::kFullyConnected;
  classifier.name = "classifier";
  classifier.inputs = {pool.output};
  classifier.weights = weights("classifier.weight", {2, 1, 1, 4}, 11);
  classifier.bias.assign(2, 0);
  classifier.output = activation("classifier", {1, 1, 1, 2}, 0.1f, 0);
  graph.add_op(classifier);
  graph.output = classifier.output;
  return graph;
}

UpdateScheme full_scheme() {
  UpdateScheme scheme;
  scheme.layers.push_back({"conv", true, 8});
  scheme.layers.push_back({"classifier", true, 8});
  return scheme;
}

constexpr float kLearningRate = 0.05f;

// A model buffer the runtime reads in place (4-byte aligned), validated.
struct Loaded {
  std::vector<uint32_t> storage;
  rt::ModelView model;
  rt::TrainingView training;
  rt::ValidationError error;
  rt::Status status = rt::Status::kOk;
  explicit Loaded(const std::vector<uint8_t>& bytes) : storage((bytes.size() + 3) / 4) {
    std::memcpy(storage.data(), bytes.data(), bytes.size());
    status = rt::validate_model(reinterpret_cast<const uint8_t*>(storage.data()),
                                static_cast<uint32_t>(bytes.size()), &model, &error);
    if (status == rt::Status::kOk) status = rt::validate_training(model, &training, &error);
  }
  std::string message() const {
    char text[128];
    rt::format_validation_error(error, text, sizeof(text));
    return text;
  }
};

std::vector<uint8_t> training_bytes() {
  const Graph graph = two_class_graph();
  return write_training_model(validate_graph(graph, GraphUse::kModelFile), full_scheme(),
                              kLearningRate);
}

// The sample of class `label`: channel `label` bright, the other dark, with a little texture.
void fill_sample(int8_t* input, int label, int variant) {
  for (int p = 0; p < 16; ++p) {
    const int texture = (p * 7 + variant * 3) % 9;
    input[2 * p + 0] = static_cast<int8_t>(label == 0 ? 60 + texture : -20 - texture);
    input[2 * p + 1] = static_cast<int8_t>(label == 1 ? 60 + texture : -20 - texture);
  }
}

TEST(TrainingModel, WritesAVersion3FileTheRuntimeAccepts) {
  const Loaded loaded(training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  EXPECT_EQ(loaded.model.version(), rt::kTrainingFormatVersion);
  EXPECT_EQ(loaded.training.layer_count(), 2);
  EXPECT_FLOAT_EQ(loaded.training.learning_rate(), kLearningRate);
  const rt::TrainedLayerInfo classifier = loaded.training.layer(1);
  EXPECT_EQ(std::string(classifier.name, classifier.name_length), "classifier");
  EXPECT_FLOAT_EQ(classifier.weight_scales[0], 0.02f);
  EXPECT_FLOAT_EQ(classifier.input_scale, 0.04f);
  EXPECT_EQ(classifier.channel_count, 4);
}

TEST(TrainingModel, InferenceModelsStillLoadAndHaveNoTrainingSection) {
  const Graph graph = two_class_graph();
  const Loaded loaded(write_model(graph, plan_memory(graph)));
  EXPECT_EQ(loaded.status, rt::Status::kBadHeader);  // validate_model passed, training refused
  EXPECT_EQ(loaded.error.section, rt::ModelSection::kHeader);
  EXPECT_EQ(loaded.error.field, rt::header::kFlags);
  EXPECT_LE(loaded.model.version(), 2);
}

TEST(TrainingModel, TheInferencePartRunsInTheInterpreter) {
  const Loaded loaded(training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  std::vector<uint8_t> arena(loaded.model.arena_size());
  std::vector<uint8_t> scratch(loaded.model.scratch_size() + 1);
  rt::Interpreter interpreter;
  ASSERT_EQ(
      interpreter.init(loaded.model, arena.data(), arena.size(), scratch.data(), scratch.size()),
      rt::Status::kOk);
  fill_sample(interpreter.input(), 0, 0);
  EXPECT_EQ(interpreter.invoke(), rt::Status::kOk);
}

// A training executor on an arena and scratch of exactly the planned sizes, each between guard
// bytes painted before the run: an executor that touches a byte outside the plan spoils a guard.
class GuardedTrainer {
 public:
  static constexpr size_t kGuard = 256;
  static constexpr uint8_t kPaint = 0xA5;

  explicit GuardedTrainer(const Loaded& loaded)
      : arena_(loaded.model.arena_size() + 2 * kGuard, kPaint),
        scratch_(loaded.model.scratch_size() + 2 * kGuard, kPaint) {
    status_ = executor_.init(loaded.model, loaded.training, arena_.data() + kGuard,
                             loaded.model.arena_size(), scratch_.data() + kGuard,
                             loaded.model.scratch_size());
  }
  rt::Status status() const { return status_; }
  rt::TrainingExecutor& executor() { return executor_; }
  bool guards_intact() const {
    for (const std::vector<uint8_t>* buffer : {&arena_, &scratch_}) {
      for (size_t b = 0; b < kGuard; ++b) {
        if ((*buffer)[b] != kPaint || (*buffer)[buffer->size() - 1 - b] != kPaint) return false;
      }
    }
    return true;
  }

 private:
  std::vector<uint8_t> arena_, scratch_;
  rt::TrainingExecutor executor_;
  rt::Status status_ = rt::Status::kOk;
};

// Mean loss of the first and of the last `window` steps of `steps`, labels alternating 0, 1,
// each sample written by fill(input, label, variant).
struct LossWindows {
  double first = 0.0, last = 0.0;
};
LossWindows train_alternating(rt::TrainingExecutor& executor, void (*fill)(int8_t*, int, int),
                              int steps, int window) {
  LossWindows losses;
  for (int step = 0; step < steps; ++step) {
    const int label = step % 2;
    fill(executor.input(), label, step % 5);
    float loss = 0.0f;
    EXPECT_EQ(executor.step(label, &loss), rt::Status::kOk);
    if (step < window) losses.first += loss / window;
    if (step >= steps - window) losses.last += loss / window;
  }
  return losses;
}

// One step composed by hand from the kernels and the interpreter's forward pass.
TEST(TrainingExecutor, OneStepEqualsTheKernelsComposedByHand) {
  const Graph graph = two_class_graph();
  const Loaded loaded(training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  const rt::ModelView& model = loaded.model;
  std::vector<uint8_t> arena(model.arena_size());
  std::vector<uint8_t> scratch(model.scratch_size() + 1);
  rt::TrainingExecutor executor;
  ASSERT_EQ(executor.init(model, loaded.training, arena.data(), arena.size(), scratch.data(),
                          scratch.size()),
            rt::Status::kOk);
  fill_sample(executor.input(), 1, 2);
  float loss = 0.0f;
  ASSERT_EQ(executor.step(1, &loss), rt::Status::kOk);

  // By hand: forward with the initial (constant) parameters.
  std::vector<uint8_t> arena2(model.arena_size());
  rt::Interpreter interpreter;
  ASSERT_EQ(interpreter.init(model, arena2.data(), arena2.size(), scratch.data(), scratch.size()),
            rt::Status::kOk);
  fill_sample(interpreter.input(), 1, 2);
  ASSERT_EQ(interpreter.invoke(), rt::Status::kOk);
  const rt::OpInfo conv = model.op(0), pool = model.op(1), fc = model.op(2);
  auto tensor = [&](uint16_t t) { return model.tensor(t); };
  auto data = [&](uint16_t t) {
    return reinterpret_cast<int8_t*>(arena2.data() + tensor(t).offset);
  };
  std::vector<float> logits_grad(2), pool_grad(4), conv_grad(64);
  const float probability = rt::softmax_cross_entropy_backward_s8(
      data(fc.output), 2, tensor(fc.output).scale, 1, logits_grad.data());
  EXPECT_EQ(loss, -rt::natural_log(probability));
  auto quant = [&](const rt::OpInfo& op) {
    return rt::PerChannelQuantization{model.constant_int32(op.multiplier_offset),
                                      model.constant_int32(op.shift_offset)};
  };
  auto params = [&](const rt::OpInfo& op) {
    return rt::conv_params(op, tensor(op.input0), tensor(op.output));
  };

  // Classifier: output stage, input gradient, weights + update, bias + update.
  // The classifier and the pool have no fused activation: their outputs are not kept.
  rt::conv_output_backward_s8(params(fc), quant(fc), tensor(fc.output).shape, nullptr,
                              logits_grad.data(), logits_grad.data());
  const int8_t* fc_weights = model.constant_int8(tensor(fc.weights).offset);
  rt::fully_connected_s8_backward_input(tensor(fc.weights).shape, fc_weights, logits_grad.data(),
                                        rt::GradientWrite::kOverwrite, pool_grad.data());
  std::vector<float> fc_wgrad(8), fc_master(8), fc_bgrad(2), fc_bmaster(2);
  std::vector<int8_t> fc_w(fc_weights, fc_weights + 8);
  std::vector<int32_t> fc_b(model.constant_int32(fc.bias_offset),
                            model.constant_int32(fc.bias_offset) + 2);
  const std::vector<float> fc_scales(2, 0.02f), conv_scales(4, 0.02f);
  const rt::WeightChannelLayout fc_layout = rt::conv_weight_layout(tensor(fc.weights).shape);
  const int32_t fc_channels[2] = {0, 1};
  const rt::ChannelSelection fc_all{fc_channels, 2};
  rt::load_master_weights_s8(fc_layout, fc_all, fc_w.data(), fc_master.data());
  rt::fully_connected_s8_backward_weight(params(fc), data(fc.input0), tensor(fc.weights).shape,
                                         logits_grad.data(), fc_all, fc_wgrad.data());
  rt::sgd_qas_update_weights_s8(kLearningRate, fc_layout, fc_all, fc_scales.data(), fc_wgrad.data(),
                                fc_master.data(), fc_w.data());
  rt::load_master_bias_s32(2, fc_b.data(), fc_bmaster.data());
  rt::bias_backward(tensor(fc.output).shape, logits_grad.data(), fc_bgrad.data());
  rt::sgd_qas_update_bias_s32(kLearningRate, 2, 0.04f, fc_scales.data(), fc_bgrad.data(),
                              fc_bmaster.data(), fc_b.data());
  // Pool, then the conv's output stage, weights and bias.
  rt::GlobalPoolParams pool_params;
  pool_params.input_offset = -tensor(pool.input0).zero_point;
  pool_params.output_offset = tensor(pool.output).zero_point;
  pool_params.output_multiplier = pool.output_multiplier;
  pool_params.output_shift = pool.output_shift;
  pool_params.activation_min = pool.activation_min;
  pool_params.activation_max = pool.activation_max;
  rt::global_avgpool_s8_backward(pool_params, tensor(pool.input0).shape, nullptr, pool_grad.data(),
                                 rt::GradientWrite::kOverwrite, conv_grad.data());
  rt::conv_output_backward_s8(params(conv), quant(conv), tensor(conv.output).shape,
                              data(conv.output), conv_grad.data(), conv_grad.data());
  const int8_t* conv_weights = model.constant_int8(tensor(conv.weights).offset);
  std::vector<int8_t> conv_w(conv_weights, conv_weights + 8);
  std::vector<int32_t> conv_b(model.constant_int32(conv.bias_offset),
                              model.constant_int32(conv.bias_offset) + 4);
  std::vector<float> conv_wgrad(8), conv_master(8), conv_bgrad(4), conv_bmaster(4);
  const int32_t conv_channels[4] = {0, 1, 2, 3};
  const rt::ChannelSelection conv_all{conv_channels, 4};
  const rt::WeightChannelLayout conv_layout = rt::conv_weight_layout(tensor(conv.weights).shape);
  rt::load_master_weights_s8(conv_layout, conv_all, conv_w.data(), conv_master.data());
  rt::conv2d_1x1_s8_backward_weight(params(conv), tensor(conv.input0).shape, data(conv.input0),
                                    tensor(conv.output).shape, conv_grad.data(), conv_all,
                                    conv_wgrad.data());
  rt::sgd_qas_update_weights_s8(kLearningRate, conv_layout, conv_all, conv_scales.data(),
                                conv_wgrad.data(), conv_master.data(), conv_w.data());
  rt::load_master_bias_s32(4, conv_b.data(), conv_bmaster.data());
  rt::bias_backward(tensor(conv.output).shape, conv_grad.data(), conv_bgrad.data());
  rt::sgd_qas_update_bias_s32(kLearningRate, 4, 0.05f, conv_scales.data(), conv_bgrad.data(),
                              conv_bmaster.data(), conv_b.data());

  EXPECT_EQ(std::vector<int8_t>(executor.trained_weights(1), executor.trained_weights(1) + 8),
            fc_w);
  EXPECT_EQ(std::vector<int32_t>(executor.trained_bias(1), executor.trained_bias(1) + 2), fc_b);
  EXPECT_EQ(std::vector<int8_t>(executor.trained_weights(0), executor.trained_weights(0) + 8),
            conv_w);
  EXPECT_EQ(std::vector<int32_t>(executor.trained_bias(0), executor.trained_bias(0) + 4), conv_b);
  EXPECT_NE(fc_b, std::vector<int32_t>(2, 0));  // the step changed something
}

TEST(TrainingExecutor, LossFallsOnASeparableTaskAndStaysInsideThePlannedArena) {
  const Loaded loaded(training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  GuardedTrainer trainer(loaded);
  ASSERT_EQ(trainer.status(), rt::Status::kOk);
  const LossWindows loss = train_alternating(trainer.executor(), fill_sample, 400, 50);
  EXPECT_LT(loss.last, loss.first * 0.5) << "mean loss " << loss.first << " -> " << loss.last;
  EXPECT_TRUE(trainer.guards_intact());
}

// A field of the training section corrupted (CRC fixed up): the validator names it.
struct Corruption {
  const char* what;
  rt::ModelSection section;
  uint16_t index;
  uint32_t field;
  rt::Status status;
};

size_t section_begin(const std::vector<uint8_t>& bytes) {
  const uint32_t end = rt::load_u32(bytes.data() + rt::header::kConstantsOffset) +
                       rt::load_u32(bytes.data() + rt::header::kConstantsSize);
  return (end + 15) / 16 * 16;
}

void fix_crc(std::vector<uint8_t>& bytes) {
  const uint32_t crc = rt::crc32(bytes.data() + rt::kHeaderSize, bytes.size() - rt::kHeaderSize);
  std::memcpy(bytes.data() + rt::header::kCrc32, &crc, 4);  // little-endian host
}

TEST(TrainingModel, ValidatorNamesEveryBrokenField) {
  const std::vector<uint8_t> good = training_bytes();
  const size_t s = section_begin(good);
  const uint32_t tensors = rt::load_u32(good.data() + s + rt::training_header::kTensorTableOffset);
  const uint32_t ops = rt::load_u32(good.data() + s + rt::training_header::kOpTableOffset);
  const uint32_t layers = rt::load_u32(good.data() + s + rt::training_header::kLayerTableOffset);
  struct Case {
    size_t at;
    std::vector<uint8_t> value;
    Corruption expected;
  };
  const std::vector<Case> cases = {
      {s + rt::training_header::kMagic,
       {0, 0, 0, 0},
       {"magic", rt::ModelSection::kTrainingHeader, 0, rt::training_header::kMagic,
        rt::Status::kBadTrainingSection}},
      {s + rt::training_header::kLearningRate,
       {0, 0, 0x80, 0xBF},  // -1.0f
       {"learning rate", rt::ModelSection::kTrainingHeader, 0, rt::training_header::kLearningRate,
        rt::Status::kBadTrainingSection}},
      {s + rt::training_header::kLogits,
       {0xFF, 0x0F},
       {"logits", rt::ModelSection::kTrainingHeader, 0, rt::training_header::kLogits,
        rt::Status::kBadTrainingSection}},
      {s + layers + rt::train_layer_record::kNameLength,
       {0, 0},
       {"layer name", rt::ModelSection::kTrainLayerTable, 0, rt::train_layer_record::kNameLength,
        rt::Status::kBadTrainingSection}},
      {s + layers + rt::train_layer_record::kInputScale,
       {0, 0, 0xC0, 0x7F},  // NaN
       {"input scale", rt::ModelSection::kTrainLayerTable, 0, rt::train_layer_record::kInputScale,
        rt::Status::kBadTrainingSection}},
      {s + layers + rt::train_layer_record::kModelOp,
       {1, 0},  // the pool has no weights
       {"layer op", rt::ModelSection::kTrainLayerTable, 0, rt::train_layer_record::kModelOp,
        rt::Status::kBadTrainingSection}},
      {s + tensors + rt::train_tensor_record::kOffset,
       {0xF0, 0xFF, 0, 0},
       {"tensor offset", rt::ModelSection::kTrainTensorTable, 0, rt::train_tensor_record::kOffset,
        rt::Status::kBadTrainingSection}},
      {s + tensors + rt::train_tensor_record::kKind,
       {1},  // saved channels belong to a layer, not to a model tensor
       {"saved channels", rt::ModelSection::kTrainTensorTable, 0,
        rt::train_tensor_record::kModelTensor, rt::Status::kBadTrainingSection}},
      {s + ops + rt::train_op_record::kKind,
       {99},
       {"op kind", rt::ModelSection::kTrainOpTable, 0, rt::train_op_record::kKind,
        rt::Status::kBadTrainingSection}},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bytes = good;
    std::copy(c.value.begin(), c.value.end(), bytes.begin() + static_cast<std::ptrdiff_t>(c.at));
    fix_crc(bytes);
    const Loaded loaded(bytes);
    EXPECT_EQ(loaded.status, c.expected.status) << c.expected.what << ": " << loaded.message();
    EXPECT_EQ(loaded.error.section, c.expected.section) << c.expected.what;
    EXPECT_EQ(loaded.error.index, c.expected.index) << c.expected.what;
    EXPECT_EQ(loaded.error.field, c.expected.field) << c.expected.what << ": " << loaded.message();
  }
}

// ---- Weight ratios below 1: the forward saves the chosen input channels ----

// input 1x5x5x8 -> conv 3x3 (8, ReLU) -> depthwise 3x3 (8, ReLU, in place allowed) -> global
// average pool -> classifier (2 classes).
Graph sparse_graph() {
  Graph graph;
  auto activation = [&](const char* name, TensorShape shape, float scale, int zero_point) {
    return add_activation(graph, name, shape, scale, zero_point);
  };
  auto weights = [&](const char* name, TensorShape shape, int channels, int seed) {
    return add_weights(graph, name, shape, channels, seed, 0.01f, 0.001f);
  };
  auto windowed = [](Op& op) {
    op.kernel_h = op.kernel_w = 3;
    op.pad_top = op.pad_left = op.pad_bottom = op.pad_right = 1;
  };
  graph.input = activation("input", {1, 5, 5, 8}, 0.05f, -10);
  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "conv";
  conv.inputs = {graph.input};
  conv.weights = weights("conv.weight", {8, 3, 3, 8}, 8, 5);
  conv.bias.assign(8, 100);
  conv.activation = Activation::kRelu;
  windowed(conv);
  conv.output = activation("conv", {1, 5, 5, 8}, 0.2f, -128);
  graph.add_op(conv);
  Op depthwise;
  depthwise.kind = OpKind::kDepthwiseConv2d;
  depthwise.name = "depthwise";
  depthwise.inputs = {conv.output};
  depthwise.weights = weights("depthwise.weight", {1, 3, 3, 8}, 8, 7);
  depthwise.bias.assign(8, 50);
  depthwise.activation = Activation::kRelu;
  depthwise.allow_in_place = true;
  windowed(depthwise);
  depthwise.output = activation("depthwise", {1, 5, 5, 8}, 0.2f, -128);
  graph.add_op(depthwise);
  Op pool;
  pool.kind = OpKind::kGlobalAveragePool;
  pool.name = "pool";
  pool.inputs = {depthwise.output};
  pool.output = activation("pool", {1, 1, 1, 8}, 0.2f, -128);
  graph.add_op(pool);
  Op classifier;
  classifier.kind = OpKind::kFullyConnected;
  classifier.name = "classifier";
  classifier.inputs = {pool.output};
  classifier.weights = weights("classifier.weight", {2, 1, 1, 8}, 2, 11);
  classifier.bias.assign(2, 0);
  classifier.output = activation("classifier", {1, 1, 1, 2}, 0.1f, 0);
  graph.add_op(classifier);
  graph.output = classifier.output;
  return graph;
}

// Ratios 1/8, 1/4 and 1/2 (1, 2 and 4 of 8 channels) and every bias.
UpdateScheme sparse_scheme() {
  UpdateScheme scheme;
  scheme.layers.push_back({"conv", true, 1});
  scheme.layers.push_back({"depthwise", true, 2});
  scheme.layers.push_back({"classifier", true, 4});
  return scheme;
}

std::vector<uint8_t> sparse_training_bytes() {
  return write_training_model(validate_graph(sparse_graph(), GraphUse::kModelFile), sparse_scheme(),
                              kLearningRate);
}

// Class 0 lights the even channels, class 1 the odd ones, with a little texture.
void fill_sparse_sample(int8_t* input, int label, int variant) {
  for (int p = 0; p < 25; ++p) {
    for (int c = 0; c < 8; ++c) {
      const int texture = (p * 7 + c * 5 + variant * 3) % 11;
      input[8 * p + c] = static_cast<int8_t>(c % 2 == label ? 70 + texture : -30 - texture);
    }
  }
}

TEST(TrainingModel, RatiosBelowOneWriteSavedChannelsTheRuntimeAccepts) {
  const Loaded loaded(sparse_training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  ASSERT_EQ(loaded.training.layer_count(), 3);
  EXPECT_EQ(loaded.training.layer(0).channel_count, 1);
  EXPECT_EQ(loaded.training.layer(1).channel_count, 2);
  EXPECT_EQ(loaded.training.layer(2).channel_count, 4);
  int saves = 0;
  for (uint16_t i = 0; i < loaded.training.op_count(); ++i) {
    const rt::TrainOpInfo op = loaded.training.op(i);
    if (op.kind != rt::TrainOpKind::kSaveChannels) continue;
    ++saves;
    const rt::TrainTensorInfo saved = loaded.training.tensor(op.operands[1]);
    EXPECT_EQ(saved.kind, rt::TrainTensorKind::kSavedChannels);
    const rt::TrainedLayerInfo layer = loaded.training.layer(saved.layer);
    const uint32_t pixels = layer.model_op == 3 ? 1 : 25;  // the classifier reads one pixel
    EXPECT_EQ(saved.size_bytes, pixels * layer.channel_count) << "layer " << saved.layer;
  }
  EXPECT_EQ(saves, 3);
}

// The forward of one model op by the op dispatch, on a private arena: input in, output out.
std::vector<int8_t> run_op(const rt::ModelView& model, const rt::OpInfo& op,
                           const std::vector<int8_t>& input) {
  std::vector<uint8_t> arena(model.arena_size());
  std::vector<int8_t> scratch(model.scratch_size() + 1);
  std::memcpy(arena.data() + model.tensor(op.input0).offset, input.data(), input.size());
  rt::run_single_op(model, op, arena.data(), scratch.data(), rt::model_parameters(model, op));
  const rt::TensorInfo output = model.tensor(op.output);
  const int8_t* out = reinterpret_cast<const int8_t*>(arena.data() + output.offset);
  return std::vector<int8_t>(out, out + output.size_bytes);
}

// One step with ratios below 1 composed by hand: forward op by op, the chosen channels saved,
// the loss, and per layer the output stage, input gradient, the chosen channels' weight gradient
// from the saved channels and its update, and the bias.
TEST(TrainingExecutor, OneSparseStepEqualsTheKernelsComposedByHand) {
  const Loaded loaded(sparse_training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  const rt::ModelView& model = loaded.model;
  const rt::TrainingView& training = loaded.training;
  std::vector<uint8_t> arena(model.arena_size());
  std::vector<uint8_t> scratch(model.scratch_size() + 1);
  rt::TrainingExecutor executor;
  ASSERT_EQ(
      executor.init(model, training, arena.data(), arena.size(), scratch.data(), scratch.size()),
      rt::Status::kOk);
  fill_sparse_sample(executor.input(), 1, 2);
  float loss = 0.0f;
  ASSERT_EQ(executor.step(1, &loss), rt::Status::kOk);

  const rt::OpInfo conv = model.op(0), depthwise = model.op(1), pool = model.op(2),
                   fc = model.op(3);
  auto tensor = [&](uint16_t t) { return model.tensor(t); };
  auto quant = [&](const rt::OpInfo& op) {
    return rt::PerChannelQuantization{model.constant_int32(op.multiplier_offset),
                                      model.constant_int32(op.shift_offset)};
  };
  auto params = [&](const rt::OpInfo& op) {
    return rt::conv_params(op, tensor(op.input0), tensor(op.output));
  };
  auto chosen = [&](uint16_t layer) {
    const rt::TrainedLayerInfo info = training.layer(layer);
    return rt::ChannelSelection{info.channels, info.channel_count};
  };
  auto save = [&](uint16_t layer, const std::vector<int8_t>& input, int32_t pixels) {
    std::vector<int8_t> saved(static_cast<size_t>(pixels * chosen(layer).count));
    rt::save_channels_s8(pixels, static_cast<int32_t>(input.size()) / pixels, input.data(),
                         chosen(layer), 1, saved.data());
    return saved;
  };

  // Forward with the initial parameters, saving each layer's chosen input channels.
  std::vector<int8_t> input(200);
  fill_sparse_sample(input.data(), 1, 2);
  const std::vector<int8_t> conv_saved = save(0, input, 25);
  const std::vector<int8_t> conv_out = run_op(model, conv, input);
  const std::vector<int8_t> dw_saved = save(1, conv_out, 25);
  const std::vector<int8_t> dw_out = run_op(model, depthwise, conv_out);
  const std::vector<int8_t> pool_out = run_op(model, pool, dw_out);
  const std::vector<int8_t> fc_saved = save(2, pool_out, 1);
  const std::vector<int8_t> logits = run_op(model, fc, pool_out);

  std::vector<float> logits_grad(2), pool_grad(8), dw_grad(200), conv_grad(200);
  const float probability = rt::softmax_cross_entropy_backward_s8(
      logits.data(), 2, tensor(fc.output).scale, 1, logits_grad.data());
  EXPECT_EQ(loss, -rt::natural_log(probability));

  // Parameters as the executor holds them: weights, bias and their master copies.
  struct Trained {
    std::vector<int8_t> weights;
    std::vector<int32_t> bias;
    std::vector<float> master, bias_master, grad, bias_grad;
  };
  auto trained = [&](const rt::OpInfo& op, uint16_t layer, bool depthwise_layout) {
    const rt::TensorInfo w = tensor(op.weights);
    const int32_t out_c = tensor(op.output).shape.c;
    Trained t;
    const int8_t* constant = model.constant_int8(w.offset);
    t.weights.assign(constant, constant + w.size_bytes);
    const int32_t* bias = model.constant_int32(op.bias_offset);
    t.bias.assign(bias, bias + out_c);
    t.master.resize(w.size_bytes / static_cast<uint32_t>(w.shape.c) *
                    static_cast<uint32_t>(chosen(layer).count));
    t.grad.resize(t.master.size());
    if (depthwise_layout) {
      rt::load_master_weights_s8(rt::depthwise_weight_layout(w.shape), chosen(layer),
                                 t.weights.data(), t.master.data());
    } else {
      rt::load_master_weights_s8_input_channels(w.shape, chosen(layer), t.weights.data(),
                                                t.master.data());
    }
    t.bias_master.resize(static_cast<size_t>(out_c));
    t.bias_grad.resize(static_cast<size_t>(out_c));
    rt::load_master_bias_s32(out_c, t.bias.data(), t.bias_master.data());
    return t;
  };
  Trained c = trained(conv, 0, false), d = trained(depthwise, 1, true), f = trained(fc, 2, false);
  auto update = [&](const rt::OpInfo& op, uint16_t layer, Trained& t, bool depthwise_layout) {
    const rt::TrainedLayerInfo info = training.layer(layer);
    if (depthwise_layout) {
      rt::sgd_qas_update_weights_s8(
          kLearningRate, rt::depthwise_weight_layout(tensor(op.weights).shape), chosen(layer),
          info.weight_scales, t.grad.data(), t.master.data(), t.weights.data());
    } else {
      rt::sgd_qas_update_weights_s8_input_channels(kLearningRate, tensor(op.weights).shape,
                                                   chosen(layer), info.weight_scales, t.grad.data(),
                                                   t.master.data(), t.weights.data());
    }
  };

  // Classifier (no fused activation: its output is not kept).
  rt::conv_output_backward_s8(params(fc), quant(fc), tensor(fc.output).shape, nullptr,
                              logits_grad.data(), logits_grad.data());
  rt::fully_connected_s8_backward_input(tensor(fc.weights).shape, f.weights.data(),
                                        logits_grad.data(), rt::GradientWrite::kOverwrite,
                                        pool_grad.data());
  rt::fully_connected_s8_backward_weight_saved_channels(
      params(fc), fc_saved.data(), 4, tensor(fc.weights).shape, logits_grad.data(), f.grad.data());
  update(fc, 2, f, false);
  rt::bias_backward(tensor(fc.output).shape, logits_grad.data(), f.bias_grad.data());
  rt::sgd_qas_update_bias_s32(kLearningRate, 2, training.layer(2).input_scale,
                              training.layer(2).weight_scales, f.bias_grad.data(),
                              f.bias_master.data(), f.bias.data());
  // Pool.
  const rt::GlobalPoolParams pool_params =
      rt::global_pool_params(pool, tensor(pool.input0), tensor(pool.output));
  rt::global_avgpool_s8_backward(pool_params, tensor(pool.input0).shape, nullptr, pool_grad.data(),
                                 rt::GradientWrite::kOverwrite, dw_grad.data());
  // Depthwise (ReLU: its output is kept for the mask).
  rt::conv_output_backward_s8(params(depthwise), quant(depthwise), tensor(depthwise.output).shape,
                              dw_out.data(), dw_grad.data(), dw_grad.data());
  rt::depthwise_conv2d_s8_backward_input(params(depthwise), tensor(depthwise.input0).shape,
                                         tensor(depthwise.weights).shape, d.weights.data(),
                                         tensor(depthwise.output).shape, dw_grad.data(),
                                         rt::GradientWrite::kOverwrite, conv_grad.data());
  rt::depthwise_conv2d_s8_backward_weight_saved_channels(
      params(depthwise), tensor(depthwise.input0).shape, dw_saved.data(),
      tensor(depthwise.weights).shape, tensor(depthwise.output).shape, dw_grad.data(), chosen(1),
      d.grad.data());
  update(depthwise, 1, d, true);
  rt::bias_backward(tensor(depthwise.output).shape, dw_grad.data(), d.bias_grad.data());
  rt::sgd_qas_update_bias_s32(kLearningRate, 8, training.layer(1).input_scale,
                              training.layer(1).weight_scales, d.bias_grad.data(),
                              d.bias_master.data(), d.bias.data());
  // Conv: its input has no gradient.
  rt::conv_output_backward_s8(params(conv), quant(conv), tensor(conv.output).shape, conv_out.data(),
                              conv_grad.data(), conv_grad.data());
  rt::conv2d_s8_backward_weight_saved_channels(
      params(conv), tensor(conv.input0).shape, conv_saved.data(), 1, tensor(conv.weights).shape,
      tensor(conv.output).shape, conv_grad.data(), c.grad.data());
  update(conv, 0, c, false);
  rt::bias_backward(tensor(conv.output).shape, conv_grad.data(), c.bias_grad.data());
  rt::sgd_qas_update_bias_s32(kLearningRate, 8, training.layer(0).input_scale,
                              training.layer(0).weight_scales, c.bias_grad.data(),
                              c.bias_master.data(), c.bias.data());

  const Trained* expected[3] = {&c, &d, &f};
  for (uint16_t k = 0; k < 3; ++k) {
    const size_t weights = expected[k]->weights.size();
    EXPECT_EQ(
        std::vector<int8_t>(executor.trained_weights(k), executor.trained_weights(k) + weights),
        expected[k]->weights)
        << "layer " << k;
    const size_t bias = expected[k]->bias.size();
    EXPECT_EQ(std::vector<int32_t>(executor.trained_bias(k), executor.trained_bias(k) + bias),
              expected[k]->bias)
        << "layer " << k;
    EXPECT_NE(expected[k]->bias_grad, std::vector<float>(bias, 0.0f)) << "layer " << k;
  }
  // The chosen slices had gradients to apply (one step may round back to the same int8).
  for (const Trained* t : expected) EXPECT_NE(t->grad, std::vector<float>(t->grad.size(), 0.0f));
  // The conv's unchosen input channels kept their weights.
  const int8_t* constant = model.constant_int8(tensor(conv.weights).offset);
  const int32_t conv_chosen = training.layer(0).channels[0];
  for (size_t i = 0; i < c.weights.size(); ++i) {
    if (static_cast<int32_t>(i % 8) != conv_chosen) {
      ASSERT_EQ(executor.trained_weights(0)[i], constant[i]) << "unchosen conv weight " << i;
    }
  }
}

TEST(TrainingExecutor, SparseRatiosTrainInsideThePlannedArena) {
  const Loaded loaded(sparse_training_bytes());
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  GuardedTrainer trainer(loaded);
  ASSERT_EQ(trainer.status(), rt::Status::kOk);
  rt::TrainingExecutor& executor = trainer.executor();
  const LossWindows loss = train_alternating(executor, fill_sparse_sample, 300, 50);
  EXPECT_LT(loss.last, loss.first * 0.5) << "mean loss " << loss.first << " -> " << loss.last;
  EXPECT_TRUE(trainer.guards_intact());
  // Every layer's chosen weights moved, the others did not.
  for (uint16_t k = 0; k < loaded.training.layer_count(); ++k) {
    const rt::TrainedLayerInfo layer = loaded.training.layer(k);
    const rt::OpInfo op = loaded.model.op(layer.model_op);
    const rt::TensorInfo weights = loaded.model.tensor(op.weights);
    const int8_t* constant = loaded.model.constant_int8(weights.offset);
    const int8_t* trained = executor.trained_weights(k);
    const std::vector<int32_t> chosen(layer.channels, layer.channels + layer.channel_count);
    int moved = 0;
    for (uint32_t i = 0; i < weights.size_bytes; ++i) {
      const int32_t channel = static_cast<int32_t>(i % static_cast<uint32_t>(weights.shape.c));
      const bool is_chosen = std::find(chosen.begin(), chosen.end(), channel) != chosen.end();
      if (!is_chosen) {
        ASSERT_EQ(trained[i], constant[i]) << "layer " << k << " unchosen weight " << i;
      }
      moved += trained[i] != constant[i] ? 1 : 0;
    }
    EXPECT_GT(moved, 0) << "layer " << k;
  }
}

// The paper's 100 KB scheme on mcunet-5fps (weight ratios 1, 1/8 and 1/4, biases of the last
// 22 layers): a few steps stay inside the planned arena and scratch.
TEST(TrainingExecutor, TinyTraining100KbSchemeRunsInsideThePlannedArena) {
  const std::string root = TINYNAS_SOURCE_DIR;
  const Graph graph = build_graph(load_net_config(root + "/configs/nets/mcunet-5fps.json"));
  const UpdateScheme scheme =
      load_update_scheme(root + "/configs/schemes/mcunet-5fps-tiny-training-100kb.json");
  const Loaded loaded(
      write_training_model(validate_graph(graph, GraphUse::kModelFile), scheme, kLearningRate));
  ASSERT_EQ(loaded.status, rt::Status::kOk) << loaded.message();
  int saves = 0;
  for (uint16_t i = 0; i < loaded.training.op_count(); ++i) {
    saves += loaded.training.op(i).kind == rt::TrainOpKind::kSaveChannels ? 1 : 0;
  }
  EXPECT_EQ(saves, 2);  // blocks.12.expand at 1/8, blocks.13.expand at 1/4
  GuardedTrainer trainer(loaded);
  ASSERT_EQ(trainer.status(), rt::Status::kOk);
  rt::TrainingExecutor& executor = trainer.executor();
  const uint32_t input_bytes = loaded.model.tensor(loaded.model.input_tensor()).size_bytes;
  for (int step = 0; step < 2; ++step) {
    for (uint32_t i = 0; i < input_bytes; ++i) {
      executor.input()[i] = static_cast<int8_t>((i * 13 + static_cast<uint32_t>(step) * 7) % 255);
    }
    float loss = -1.0f;
    ASSERT_EQ(executor.step(step, &loss), rt::Status::kOk);
    EXPECT_TRUE(std::isfinite(loss) && loss >= 0.0f) << loss;
  }
  EXPECT_TRUE(trainer.guards_intact());
}

TEST(TrainingModel, ValidatorNamesBrokenSavedChannelRecords) {
  const std::vector<uint8_t> good = sparse_training_bytes();
  const Loaded reference(good);
  ASSERT_EQ(reference.status, rt::Status::kOk) << reference.message();
  const size_t s = section_begin(good);
  const uint32_t tensors = rt::load_u32(good.data() + s + rt::training_header::kTensorTableOffset);
  const uint32_t ops = rt::load_u32(good.data() + s + rt::training_header::kOpTableOffset);
  uint16_t save_op = 0, saved_tensor = 0, weight_op = 0;
  for (uint16_t i = 0; i < reference.training.op_count(); ++i) {
    const rt::TrainOpInfo op = reference.training.op(i);
    if (op.kind == rt::TrainOpKind::kSaveChannels && op.model_op == 0) {
      save_op = i;
      saved_tensor = op.operands[1];
    }
    if (op.kind == rt::TrainOpKind::kWeightGradient && op.model_op == 0) weight_op = i;
  }
  auto corrupt = [&](size_t at, std::vector<uint8_t> value) {
    std::vector<uint8_t> bytes = good;
    std::copy(value.begin(), value.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
    fix_crc(bytes);
    return Loaded(bytes);
  };
  const size_t tensor_at = s + tensors + saved_tensor * rt::kTrainTensorRecordSize;
  const Loaded size = corrupt(tensor_at + rt::train_tensor_record::kSizeBytes, {24, 0, 0, 0});
  EXPECT_EQ(size.status, rt::Status::kBadTrainingSection) << size.message();
  EXPECT_EQ(size.error.section, rt::ModelSection::kTrainTensorTable);
  EXPECT_EQ(size.error.index, saved_tensor);
  EXPECT_EQ(size.error.field, rt::train_tensor_record::kSizeBytes);
  // The saved channels of the classifier handed to the conv's weight gradient.
  const size_t weight_at = s + ops + weight_op * rt::kTrainOpRecordSize;
  const Loaded slot = corrupt(weight_at + rt::train_op_record::kOperands + 4,
                              {static_cast<uint8_t>(saved_tensor + 1), 0});
  EXPECT_EQ(slot.error.section, rt::ModelSection::kTrainOpTable) << slot.message();
  EXPECT_EQ(slot.error.index, weight_op);
  EXPECT_EQ(slot.error.field, rt::train_op_record::kOperands + 4);
  // A save op pointed at a layer that trains every channel (the model's pool: not a layer).
  const size_t save_at = s + ops + save_op * rt::kTrainOpRecordSize;
  const Loaded op = corrupt(save_at + rt::train_op_record::kModelOp, {2, 0});
  EXPECT_EQ(op.error.section, rt::ModelSection::kTrainOpTable) << op.message();
  EXPECT_EQ(op.error.index, save_op);
  EXPECT_EQ(op.error.field, rt::train_op_record::kModelOp);
}

}  // namespace
}  // namespace tinynas::compiler
