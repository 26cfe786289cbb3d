// The .tnm training format and the runtime's training executor: written by the compiler, checked
// by the runtime's validator, run step by step.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/training_model_writer.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/interpreter.h"
#include "engine/runtime/kernel_params.h"
#include "engine/runtime/training_executor.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::compiler {
namespace {

namespace rt = runtime;

// input 1x4x4x2 -> conv 1x1 (4, ReLU) -> global average pool -> classifier (2 classes).
Graph two_class_graph() {
  Graph graph;
  auto activation = [&](const char* name, TensorShape shape, float scale, int zero_point) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    tensor.scale = scale;
    tensor.zero_point = zero_point;
    return graph.add_tensor(tensor);
  };
  auto weights = [&](const char* name, TensorShape shape, int seed) {
    Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    tensor.is_constant = true;
    tensor.channel_scales.assign(shape.n, 0.02f);
    for (int64_t i = 0; i < shape.elements(); ++i) {
      tensor.data.push_back(static_cast<int8_t>((i * 37 + seed) % 61 - 30));
    }
    return graph.add_tensor(tensor);
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
  constexpr size_t kGuard = 256;
  constexpr uint8_t kPaint = 0xA5;
  std::vector<uint8_t> arena(loaded.model.arena_size() + kGuard, kPaint);
  std::vector<uint8_t> scratch(loaded.model.scratch_size() + kGuard, kPaint);
  rt::TrainingExecutor executor;
  ASSERT_EQ(executor.init(loaded.model, loaded.training, arena.data(), loaded.model.arena_size(),
                          scratch.data(), loaded.model.scratch_size()),
            rt::Status::kOk);
  constexpr int kSteps = 400;
  constexpr int kWindow = 50;
  double first = 0.0, last = 0.0;
  for (int step = 0; step < kSteps; ++step) {
    const int label = step % 2;
    fill_sample(executor.input(), label, step % 5);
    float loss = 0.0f;
    ASSERT_EQ(executor.step(label, &loss), rt::Status::kOk);
    if (step < kWindow) first += loss;
    if (step >= kSteps - kWindow) last += loss;
  }
  EXPECT_LT(last, first * 0.5) << "mean loss " << first / kWindow << " -> " << last / kWindow;
  for (size_t b = loaded.model.arena_size(); b < arena.size(); ++b) ASSERT_EQ(arena[b], kPaint);
  for (size_t b = loaded.model.scratch_size(); b < scratch.size(); ++b) {
    ASSERT_EQ(scratch[b], kPaint);
  }
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
       {1},
       {"saved channels", rt::ModelSection::kTrainTensorTable, 0, rt::train_tensor_record::kKind,
        rt::Status::kUnsupportedTrainOp}},
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

TEST(TrainingModel, RefusesARatioTheRuntimeCannotRunNamingTheLayer) {
  const Graph graph = two_class_graph();
  UpdateScheme scheme;
  scheme.layers.push_back({"classifier", true, 4});
  try {
    write_training_model(validate_graph(graph, GraphUse::kModelFile), scheme, kLearningRate);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("classifier"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace tinynas::compiler
