#include "engine/runtime/c_api.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/compiler/model_writer.h"
#include "engine/compiler/training_model_writer.h"
#include "engine/runtime/status.h"
#include "engine/runtime/training_executor.h"
#include "tests/engine/compiler/model_test_graphs.h"

// Defined in c_api_usage.c (compiled as C).
extern "C" tnm_status tnm_c_usage_run(const uint8_t* model, uint32_t model_size, uint8_t* arena,
                                      uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size,
                                      const int8_t* input, uint32_t input_size, int8_t* output,
                                      uint32_t output_size, uint32_t* ops_observed);
extern "C" tnm_status tnm_c_training_run(const uint8_t* model, uint32_t model_size, uint8_t* arena,
                                         uint32_t arena_size, uint8_t* scratch,
                                         uint32_t scratch_size, const int8_t* input,
                                         uint32_t input_size, int32_t label, uint32_t steps,
                                         float* first_loss, float* last_loss, int8_t* weights,
                                         uint32_t weight_bytes, int32_t* bias, uint32_t bias_count);

namespace tinynas::runtime {
namespace {

using compiler::testing::make_sequential_plan;
using compiler::testing::make_test_graph;
using compiler::testing::random_input;
using compiler::testing::run_reference;
using compiler::testing::TestGraphOptions;

struct Model {
  compiler::Graph graph;
  std::vector<uint8_t> bytes;
};

Model make_model(bool in_place) {
  TestGraphOptions options;
  options.in_place_depthwise = in_place;
  Model m;
  m.graph = make_test_graph(options);
  m.bytes = compiler::write_model(m.graph, make_sequential_plan(m.graph, in_place));
  return m;
}

TEST(CApiTest, ValidateReportsWhatTheModelNeeds) {
  const Model m = make_model(true);
  tnm_model_info info{};
  tnm_validation_error error{};
  ASSERT_EQ(tnm_validate(m.bytes.data(), static_cast<uint32_t>(m.bytes.size()), &info, &error),
            TNM_OK);
  EXPECT_EQ(error.status, TNM_OK);
  EXPECT_GT(info.arena_size, 0u);
  EXPECT_EQ(info.scratch_size, 12u);  // in-place 3x3 depthwise ring: 3 rows of width 4
  EXPECT_EQ(info.tensor_count, m.graph.tensors.size());
  EXPECT_EQ(info.op_count, m.graph.ops.size());
  EXPECT_EQ(tnm_validate(m.bytes.data(), static_cast<uint32_t>(m.bytes.size()), nullptr, nullptr),
            TNM_OK);
}

TEST(CApiTest, ValidationErrorsCarryWhereAndFormat) {
  Model m = make_model(false);
  m.bytes[m.bytes.size() - 1] ^= 0x10;
  tnm_validation_error error{};
  EXPECT_EQ(tnm_validate(m.bytes.data(), static_cast<uint32_t>(m.bytes.size()), nullptr, &error),
            TNM_CHECKSUM_MISMATCH);
  EXPECT_EQ(error.status, TNM_CHECKSUM_MISMATCH);
  EXPECT_EQ(error.section, static_cast<uint8_t>(ModelSection::kHeader));
  EXPECT_EQ(error.field, 12u);
  char text[64];
  const uint32_t length = tnm_format_validation_error(&error, text, sizeof(text));
  EXPECT_EQ(std::string(text), "header (field 12): CRC-32 checksum mismatch");
  EXPECT_EQ(length, std::strlen(text));

  tnm_interpreter interpreter{};
  std::vector<uint8_t> arena(4096);
  tnm_validation_error init_error{};
  EXPECT_EQ(tnm_interpreter_init(&interpreter, m.bytes.data(),
                                 static_cast<uint32_t>(m.bytes.size()), arena.data(),
                                 static_cast<uint32_t>(arena.size()), nullptr, 0, &init_error),
            TNM_CHECKSUM_MISMATCH);
  EXPECT_EQ(init_error.status, TNM_CHECKSUM_MISMATCH);
  EXPECT_EQ(tnm_invoke(&interpreter, nullptr), TNM_NOT_INITIALIZED);
}

TEST(CApiTest, StatusMessagesMatchTheRuntime) {
  for (int s = TNM_OK; s <= TNM_UNSUPPORTED_TRAIN_OP; ++s) {
    EXPECT_STREQ(tnm_status_message(static_cast<tnm_status>(s)),
                 status_message(static_cast<Status>(s)));
  }
}

TEST(CApiTest, RunsAModelLikeTheReference) {
  for (bool in_place : {false, true}) {
    const Model m = make_model(in_place);
    tnm_model_info info{};
    ASSERT_EQ(tnm_validate(m.bytes.data(), static_cast<uint32_t>(m.bytes.size()), &info, nullptr),
              TNM_OK);
    std::vector<uint8_t> arena(info.arena_size);
    std::vector<uint8_t> scratch(info.scratch_size + 1);
    tnm_interpreter interpreter;
    ASSERT_EQ(tnm_interpreter_init(&interpreter, m.bytes.data(),
                                   static_cast<uint32_t>(m.bytes.size()), arena.data(),
                                   info.arena_size, scratch.data(), info.scratch_size, nullptr),
              TNM_OK);
    tnm_tensor_info in_info{};
    int8_t* input = tnm_input(&interpreter, &in_info);
    ASSERT_NE(input, nullptr);
    EXPECT_EQ(in_info.h, 8);
    EXPECT_EQ(in_info.c, 3);
    EXPECT_EQ(in_info.zero_point, -3);
    EXPECT_FLOAT_EQ(in_info.scale, 0.05f);
    const std::vector<int8_t> data = random_input(in_info.size_bytes, 21);
    std::memcpy(input, data.data(), data.size());
    int ops = 0;
    const tnm_op_observer observer{nullptr, [](void* ctx, uint16_t) { ++*static_cast<int*>(ctx); },
                                   &ops};
    ASSERT_EQ(tnm_invoke(&interpreter, &observer), TNM_OK);
    EXPECT_EQ(ops, static_cast<int>(info.op_count));
    tnm_tensor_info out_info{};
    const int8_t* output = tnm_output(&interpreter, &out_info);
    ASSERT_NE(output, nullptr);
    EXPECT_EQ(std::vector<int8_t>(output, output + out_info.size_bytes),
              run_reference(m.graph, data));
  }
}

TEST(CApiTest, CFirmwareUsage) {
  const Model m = make_model(true);
  std::vector<uint8_t> arena(4096);
  std::vector<uint8_t> scratch(64);
  const std::vector<int8_t> input = random_input(192, 33);
  std::vector<int8_t> output(10);
  uint32_t ops = 0;
  ASSERT_EQ(tnm_c_usage_run(m.bytes.data(), static_cast<uint32_t>(m.bytes.size()), arena.data(),
                            static_cast<uint32_t>(arena.size()), scratch.data(),
                            static_cast<uint32_t>(scratch.size()), input.data(),
                            static_cast<uint32_t>(input.size()), output.data(),
                            static_cast<uint32_t>(output.size()), &ops),
            TNM_OK);
  EXPECT_EQ(ops, m.graph.ops.size());
  EXPECT_EQ(output, run_reference(m.graph, input));
}

TEST(CApiTest, NullAndUninitializedArguments) {
  tnm_interpreter zeroed{};
  EXPECT_EQ(tnm_invoke(&zeroed, nullptr), TNM_NOT_INITIALIZED);
  EXPECT_EQ(tnm_input(&zeroed, nullptr), nullptr);
  EXPECT_EQ(tnm_output(&zeroed, nullptr), nullptr);
  EXPECT_EQ(tnm_invoke(nullptr, nullptr), TNM_NULL_ARGUMENT);
  EXPECT_EQ(tnm_input(nullptr, nullptr), nullptr);
  EXPECT_EQ(tnm_output(nullptr, nullptr), nullptr);
  EXPECT_EQ(tnm_validate(nullptr, 100, nullptr, nullptr), TNM_NULL_ARGUMENT);
  const Model m = make_model(false);
  EXPECT_EQ(tnm_interpreter_init(nullptr, m.bytes.data(), static_cast<uint32_t>(m.bytes.size()),
                                 nullptr, 0, nullptr, 0, nullptr),
            TNM_NULL_ARGUMENT);
  tnm_interpreter interpreter;
  std::vector<uint8_t> arena(16);
  EXPECT_EQ(
      tnm_interpreter_init(&interpreter, m.bytes.data(), static_cast<uint32_t>(m.bytes.size()),
                           arena.data(), 16, nullptr, 0, nullptr),
      TNM_ARENA_TOO_SMALL);
  EXPECT_EQ(tnm_invoke(&interpreter, nullptr), TNM_NOT_INITIALIZED);
}

// The test graph trained at its classifier: the bias and half of the weights' input channels.
std::vector<uint8_t> training_model(const compiler::Graph& graph) {
  compiler::UpdateScheme scheme;
  scheme.layers.push_back({"classifier", true, 4});
  return compiler::write_training_model(
      compiler::validate_graph(graph, compiler::GraphUse::kModelFile), scheme, 0.05f);
}

// Training through the C API from C: the loss on a repeated sample falls, and the trained
// parameters are the C++ executor's bit for bit.
TEST(CApiTest, CFirmwareTraining) {
  const compiler::Graph graph = make_test_graph(TestGraphOptions{});
  const std::vector<uint8_t> bytes = training_model(graph);
  const uint32_t size = static_cast<uint32_t>(bytes.size());
  std::vector<uint32_t> aligned((bytes.size() + 3) / 4);  // the model 4-byte aligned
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const uint8_t* model = reinterpret_cast<const uint8_t*>(aligned.data());
  tnm_training_info info{};
  ASSERT_EQ(tnm_training_validate(model, size, &info, nullptr), TNM_OK);
  EXPECT_EQ(info.trained_layer_count, 1);
  EXPECT_EQ(info.class_count, 10);
  EXPECT_FLOAT_EQ(info.learning_rate, 0.05f);
  const std::vector<int8_t> input = random_input(192, 35);
  constexpr uint32_t kSteps = 20;
  constexpr int32_t kLabel = 3;
  std::vector<uint8_t> arena(info.arena_size), scratch(info.scratch_size + 1);
  const uint32_t weight_bytes = 10 * 8;  // classifier 10 x 1 x 1 x 8
  std::vector<int8_t> weights(weight_bytes);
  std::vector<int32_t> bias(10);
  float first = 0.0f, last = 0.0f;
  ASSERT_EQ(tnm_c_training_run(model, size, arena.data(), info.arena_size, scratch.data(),
                               info.scratch_size, input.data(), static_cast<uint32_t>(input.size()),
                               kLabel, kSteps, &first, &last, weights.data(), weight_bytes,
                               bias.data(), 10),
            TNM_OK);
  EXPECT_LT(last, first);

  ModelView view;
  TrainingView training;
  ASSERT_EQ(validate_model(model, size, &view, nullptr), Status::kOk);
  ASSERT_EQ(validate_training(view, &training, nullptr), Status::kOk);
  std::vector<uint8_t> arena2(info.arena_size), scratch2(info.scratch_size + 1);
  TrainingExecutor executor;
  ASSERT_EQ(executor.init(view, training, arena2.data(), info.arena_size, scratch2.data(),
                          info.scratch_size),
            Status::kOk);
  for (uint32_t step = 0; step < kSteps; ++step) {
    std::memcpy(executor.input(), input.data(), input.size());
    ASSERT_EQ(executor.step(kLabel, nullptr), Status::kOk);
  }
  EXPECT_EQ(weights, std::vector<int8_t>(executor.trained_weights(0),
                                         executor.trained_weights(0) + weight_bytes));
  EXPECT_EQ(bias, std::vector<int32_t>(executor.trained_bias(0), executor.trained_bias(0) + 10));
}

TEST(CApiTest, TrainingRefusesBadArgumentsAndInferenceModels) {
  tnm_trainer zeroed{};
  EXPECT_EQ(tnm_training_step(&zeroed, 0, nullptr), TNM_NOT_INITIALIZED);
  EXPECT_EQ(tnm_training_input(&zeroed, nullptr), nullptr);
  tnm_trained_layer_info layer{};
  EXPECT_EQ(tnm_trained_layer(&zeroed, 0, &layer), TNM_NOT_INITIALIZED);
  EXPECT_EQ(tnm_training_step(nullptr, 0, nullptr), TNM_NULL_ARGUMENT);
  EXPECT_EQ(tnm_trained_layer(nullptr, 0, &layer), TNM_NULL_ARGUMENT);

  const Model inference = make_model(false);
  tnm_validation_error error{};
  EXPECT_EQ(tnm_training_validate(inference.bytes.data(),
                                  static_cast<uint32_t>(inference.bytes.size()), nullptr, &error),
            TNM_BAD_HEADER);
  EXPECT_EQ(error.section, static_cast<uint8_t>(ModelSection::kHeader));

  const std::vector<uint8_t> bytes = training_model(make_test_graph(TestGraphOptions{}));
  std::vector<uint32_t> aligned((bytes.size() + 3) / 4);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const uint8_t* model = reinterpret_cast<const uint8_t*>(aligned.data());
  const uint32_t size = static_cast<uint32_t>(bytes.size());
  tnm_trainer trainer;
  std::vector<uint8_t> arena(16);
  EXPECT_EQ(tnm_training_init(&trainer, model, size, arena.data(), 16, nullptr, 0, nullptr),
            TNM_ARENA_TOO_SMALL);
  EXPECT_EQ(tnm_training_step(&trainer, 0, nullptr), TNM_NOT_INITIALIZED);
  tnm_training_info info{};
  ASSERT_EQ(tnm_training_validate(model, size, &info, nullptr), TNM_OK);
  std::vector<uint8_t> big(info.arena_size), scratch(info.scratch_size + 1);
  ASSERT_EQ(tnm_training_init(&trainer, model, size, big.data(), info.arena_size, scratch.data(),
                              info.scratch_size, nullptr),
            TNM_OK);
  EXPECT_EQ(tnm_training_step(&trainer, 10, nullptr), TNM_SHAPE_MISMATCH);  // 10 classes
  EXPECT_EQ(tnm_trained_layer(&trainer, 1, &layer), TNM_SHAPE_MISMATCH);
  ASSERT_EQ(tnm_trained_layer(&trainer, 0, &layer), TNM_OK);
  EXPECT_EQ(std::string(layer.name, layer.name_length), "classifier");
  EXPECT_EQ(layer.channel_count, 4);
}

}  // namespace
}  // namespace tinynas::runtime
