// Training on the board (qemu-mps2-an386): the runner's TRAIN_* requests against the host's
// TrainingExecutor. A small MobileNetV2-style net trains the weights and biases of its last
// layers and the biases of the block before them for several steps; the board's losses and the
// parameters it reads back are bit-exact with the host's, the arena it measures by painting is
// the planned one, and every bad request gets its own status.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/host_runner.h"
#include "engine/compiler/model_file.h"
#include "finetune/board_trainer.h"
#include "finetune/host_trainer.h"
#include "finetune/model_update.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"
#include "tests/integration/test_models.h"

namespace tinynas::profiler {
namespace {

namespace p = firmware::protocol;

constexpr const char* kBoard = "qemu-mps2-an386";
constexpr int kSteps = 6;

compiler::LoadedModel tiny_mobilenet_model() {
  const testing::TestModel model = testing::tiny_mobilenet();
  return compiler::LoadedModel(model.bytes, model.name);
}

// A .tnm names its ops by their index in the file ("op7"): the builder's graph order here.
std::string file_name(const compiler::NetworkSpec& spec, const std::string& graph_name) {
  compiler::BuildOptions options;
  const compiler::Graph graph = compiler::build_graph(spec, options);
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    if (graph.ops[i].name == graph_name) return "op" + std::to_string(i);
  }
  throw std::invalid_argument("no op " + graph_name);
}

// Weights and biases of the last block's projection and the classifier (the feature gradient
// runs back through the residual add and the pool), biases of the layers before them down to
// block 1.
compiler::UpdateScheme several_layers_scheme() {
  const compiler::NetworkSpec spec = testing::tiny_mobilenet_spec();
  compiler::UpdateScheme scheme;
  for (const char* name : {"blocks.1.expand", "blocks.1.depthwise", "blocks.1.project",
                           "blocks.2.expand", "blocks.2.depthwise"}) {
    scheme.layers.push_back({file_name(spec, name), true, 0});
  }
  scheme.layers.push_back({file_name(spec, "blocks.2.project"), true, 8});
  scheme.layers.push_back({file_name(spec, "classifier"), true, 8});
  return scheme;
}

std::vector<int8_t> sample(uint32_t size, int step) {
  std::vector<int8_t> input(size);
  compiler::fill_pseudo_random(input.data(), size, static_cast<uint32_t>(100 + step));
  return input;
}

uint32_t bits(float value) {
  uint32_t word;
  std::memcpy(&word, &value, sizeof(word));
  return word;
}

TEST(BoardTraining, LossesAndParametersBitExactWithTheHostArenaAsPlanned) {
  QemuBoard board(find_board_spec(kBoard));
  const compiler::LoadedModel model = tiny_mobilenet_model();
  const compiler::LoadedModel training =
      finetune::training_model(model, several_layers_scheme(), 0.02f);
  const uint32_t input_bytes = training.view().tensor(training.view().input_tensor()).size_bytes;

  finetune::HostTrainer host;
  finetune::BoardTrainer on_board(board.client(), board.info());
  host.start(training);
  on_board.start(training);
  uint32_t arena = 0;
  uint64_t cycles = 0;
  for (int step = 0; step < kSteps; ++step) {
    const std::vector<int8_t> input = sample(input_bytes, step);
    const int label = (step * 3) % 10;
    const finetune::StepResult expected = host.step(input, label);
    const finetune::StepResult found = on_board.step(input, label);
    EXPECT_EQ(bits(found.loss), bits(expected.loss)) << "step " << step;
    ASSERT_TRUE(found.cycles.has_value());
    EXPECT_GT(*found.cycles, 0u);
    EXPECT_GT(found.stack_bytes_used, 0u);
    arena = std::max(arena, found.arena_bytes_used);
    cycles += *found.cycles;
  }
  EXPECT_EQ(arena, training.view().arena_size()) << "measured (painting) vs planned arena";

  const std::vector<finetune::LayerParameters> expected = host.parameters();
  const std::vector<finetune::LayerParameters> found = on_board.parameters();
  ASSERT_EQ(found.size(), expected.size());
  int weight_layers = 0;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    SCOPED_TRACE(expected[k].name);
    EXPECT_EQ(found[k].name, expected[k].name);
    EXPECT_EQ(found[k].weights, expected[k].weights);
    EXPECT_EQ(found[k].bias, expected[k].bias);
    EXPECT_FALSE(found[k].bias.empty());
    weight_layers += expected[k].weights.empty() ? 0 : 1;
  }
  EXPECT_EQ(weight_layers, 2);
  // Training moved them: the updated model differs from the original.
  EXPECT_NE(finetune::updated_model(model, found), model.bytes());
  std::cout << "[figures] board=" << board.info().board << " firmware=\""
            << board.info().firmware_version << "\" model=" << model.origin()
            << " cycles_per_step=" << cycles / kSteps << " arena=" << arena
            << " planned_arena=" << training.view().arena_size() << "\n";
}

p::ReplyStatus status_of(const std::function<void()>& request) {
  try {
    request();
  } catch (const BoardRejectedError& error) {
    return error.status();
  }
  return p::ReplyStatus::kOk;
}

TEST(BoardTraining, EveryBadTrainingRequestGetsItsStatus) {
  QemuBoard board(find_board_spec(kBoard));
  BoardClient& client = board.client();
  const compiler::LoadedModel model = tiny_mobilenet_model();
  EXPECT_EQ(status_of([&] { client.train_init(); }), p::ReplyStatus::kNoModel);

  // An inference model: no training.
  client.load_model(model.bytes());
  EXPECT_EQ(status_of([&] { client.train_init(); }), p::ReplyStatus::kNotTrainingModel);
  EXPECT_EQ(status_of([&] { client.train_step(0); }), p::ReplyStatus::kNotTrainingModel);

  const compiler::LoadedModel training =
      finetune::training_model(model, several_layers_scheme(), 0.02f);
  client.load_model(training.bytes());
  EXPECT_EQ(status_of([&] { client.train_step(0); }), p::ReplyStatus::kNoTrainInit);
  EXPECT_EQ(status_of([&] { client.train_layer(0); }), p::ReplyStatus::kNoTrainInit);
  const p::TrainInitReply init = client.train_init();
  EXPECT_EQ(init.classes, 10);
  EXPECT_EQ(init.layer_count, several_layers_scheme().layers.size());
  EXPECT_EQ(init.arena_bytes, training.view().arena_size());
  EXPECT_EQ(status_of([&] { client.train_step(0); }), p::ReplyStatus::kNoInput);
  const std::vector<int8_t> input = sample(init.input_bytes, 0);
  client.upload_input(std::vector<uint8_t>(input.begin(), input.end()));
  try {
    client.train_step(10);
    FAIL() << "label 10 of 10 classes accepted";
  } catch (const BoardRejectedError& error) {
    EXPECT_EQ(error.status(), p::ReplyStatus::kOutOfRange);
    EXPECT_EQ(error.detail().expected, 10u);
    EXPECT_EQ(error.detail().found, 10u);
  }
  EXPECT_EQ(client.train_step(9).steps, 1u);
  EXPECT_EQ(status_of([&] { client.train_layer(init.layer_count); }), p::ReplyStatus::kOutOfRange);
  const p::TrainLayerReply frozen_weights = client.train_layer(0);  // blocks.1.expand: bias only
  EXPECT_EQ(frozen_weights.weight_bytes, 0u);
  EXPECT_EQ(status_of([&] { client.train_params(0, p::TrainPart::kWeights, 1); }),
            p::ReplyStatus::kOutOfRange);
  EXPECT_EQ(status_of([&] {
              client.train_params(0, static_cast<p::TrainPart>(2), frozen_weights.bias_bytes);
            }),
            p::ReplyStatus::kBadArgument);
  // A RUN repaints the arena the trained state lives in: TRAIN_INIT again first.
  client.run(1, p::InputMode::kZeros);
  EXPECT_EQ(status_of([&] { client.train_step(0); }), p::ReplyStatus::kNoTrainInit);
  EXPECT_EQ(client.train_init().layer_count, init.layer_count);
}

// A training arena larger than the board's: refused at load with the sizes named.
TEST(BoardTraining, ATrainingArenaTooLargeForTheBoardIsRefusedAtLoad) {
  QemuBoard board(find_board_spec("qemu-netduinoplus2"));
  compiler::NetworkSpec spec = testing::tiny_mobilenet_spec();
  spec.resolution = 64;
  const testing::TestModel model = testing::compile_test_model(spec, 5);
  const compiler::LoadedModel training = finetune::training_model(
      compiler::LoadedModel(model.bytes, "wide"), several_layers_scheme(), 0.02f);
  ASSERT_GT(training.view().arena_size(), board.info().arena_capacity_bytes);
  try {
    board.client().load_model(training.bytes());
    FAIL() << "a training arena of " << training.view().arena_size() << " B loaded";
  } catch (const BoardRejectedError& error) {
    EXPECT_EQ(error.status(), p::ReplyStatus::kInvalidModel);
    EXPECT_EQ(error.detail().expected, board.info().arena_capacity_bytes);
    EXPECT_EQ(error.detail().found, training.view().arena_size());
    EXPECT_NE(std::string(error.what()).find("arena"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace tinynas::profiler
