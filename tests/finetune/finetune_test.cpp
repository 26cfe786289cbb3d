// The fine-tune library on the host: the training model of an inference model and a scheme, the
// updated model (the original when nothing changed), the seeded epoch order, a fine-tune that
// learns, and its refusals.
#include "finetune/finetune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/model_writer.h"
#include "finetune/host_accuracy.h"
#include "finetune/host_trainer.h"
#include "finetune/model_update.h"

namespace tinynas::finetune {
namespace {

// A small MobileNetV2-style net: first conv, one block, classifier over 4 classes, 12x12x1.
compiler::Graph small_graph() {
  compiler::NetworkSpec spec;
  spec.name = "finetune-test";
  spec.resolution = 12;
  spec.input_channels = 1;
  spec.first_conv.out_channels = 8;
  spec.first_conv.kernel_size = 3;
  spec.first_conv.stride = 2;
  compiler::BlockSpec block;
  block.in_channels = 8;
  block.out_channels = 8;
  block.kernel_size = 3;
  block.stride = 1;
  block.mid_channels = 16;
  block.residual = true;
  spec.blocks = {block};
  spec.num_classes = 4;
  compiler::BuildOptions options;
  options.seed = 3;
  return compiler::build_graph(spec, options);
}

compiler::LoadedModel small_model() {
  const compiler::Graph graph = small_graph();
  return compiler::LoadedModel(compiler::write_model(graph, compiler::plan_memory(graph)),
                               "finetune-test.tnm");
}

// A .tnm names its ops by their index in the file ("op3"), which is the graph's order here.
std::string file_name(const std::string& graph_name) {
  const compiler::Graph graph = small_graph();
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    if (graph.ops[i].name == graph_name) return "op" + std::to_string(i);
  }
  throw std::invalid_argument("no op " + graph_name);
}

// The classifier's and the block projection's weights and biases, the biases of the block's
// other layers.
compiler::UpdateScheme last_layers_scheme() {
  compiler::UpdateScheme scheme;
  scheme.layers.push_back({file_name("blocks.0.expand"), true, 0});
  scheme.layers.push_back({file_name("blocks.0.depthwise"), true, 0});
  scheme.layers.push_back({file_name("blocks.0.project"), true, 8});
  scheme.layers.push_back({file_name("classifier"), true, 8});
  return scheme;
}

// Class c: a bright quadrant c (of four), dark elsewhere, with a little per-image texture.
datasets::ModelInputs quadrant_images(int per_class) {
  datasets::ModelInputs inputs;
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < 4; ++c) {
      for (int y = 0; y < 12; ++y) {
        for (int x = 0; x < 12; ++x) {
          const int quadrant = (y / 6) * 2 + x / 6;
          const int texture = (x * 5 + y * 3 + i * 7) % 11;
          inputs.bytes.push_back(static_cast<int8_t>(quadrant == c ? 90 + texture : -90 - texture));
        }
      }
      inputs.labels.push_back(c);
    }
  }
  return inputs;
}

TEST(Finetune, TheUpdatedModelOfUntrainedParametersIsTheOriginal) {
  const compiler::LoadedModel model = small_model();
  HostTrainer trainer;
  trainer.start(training_model(model, last_layers_scheme(), 0.01f));
  const std::vector<LayerParameters> parameters = trainer.parameters();
  ASSERT_EQ(parameters.size(), 4u);
  EXPECT_EQ(parameters[3].name, file_name("classifier"));
  EXPECT_FALSE(parameters[3].weights.empty());
  EXPECT_TRUE(parameters[0].weights.empty());  // blocks.0.expand: bias only
  EXPECT_EQ(parameters[0].bias.size(), 16u);
  EXPECT_EQ(updated_model(model, parameters), model.bytes());
}

TEST(Finetune, EpochOrderIsASeededPermutationThatChangesPerEpoch) {
  const std::vector<std::size_t> first = epoch_order(50, 7, 0);
  EXPECT_EQ(first, epoch_order(50, 7, 0));
  EXPECT_NE(first, epoch_order(50, 7, 1));
  EXPECT_NE(first, epoch_order(50, 8, 0));
  EXPECT_EQ(std::set<std::size_t>(first.begin(), first.end()).size(), 50u);
  EXPECT_EQ(*std::max_element(first.begin(), first.end()), 49u);
}

TEST(Finetune, HostFinetuneLearnsAndTheUpdatedModelCarriesIt) {
  const compiler::LoadedModel model = small_model();
  const datasets::ModelInputs images = quadrant_images(8);
  HostTrainer trainer;
  FinetuneOptions options;
  options.epochs = 4;
  options.learning_rate = 0.05f;
  uint64_t last_progress = 0;
  std::vector<double> epoch_losses;
  double accuracy_before = -1.0;
  FinetuneObserver observer;
  observer.accuracy_before = [&](double accuracy) { accuracy_before = accuracy; };
  observer.step_done = [&](uint64_t done, uint64_t total) {
    EXPECT_EQ(total, 4u * images.size());
    last_progress = done;
  };
  observer.epoch_done = [&](int epoch, double loss) {
    EXPECT_EQ(epoch, static_cast<int>(epoch_losses.size()));
    epoch_losses.push_back(loss);
  };
  const FinetuneResult result =
      finetune(trainer, model, last_layers_scheme(), images, images, options, observer);
  EXPECT_EQ(last_progress, 4u * images.size());
  EXPECT_EQ(epoch_losses, result.epoch_losses);
  EXPECT_EQ(accuracy_before, result.accuracy_before);
  EXPECT_EQ(result.steps, 4u * images.size());
  ASSERT_EQ(result.epoch_losses.size(), 4u);
  EXPECT_LT(result.epoch_losses.back(), result.epoch_losses.front());
  EXPECT_GT(result.accuracy_after, result.accuracy_before);
  EXPECT_EQ(result.step_cycles, 0u);  // the host counts no cycles
  EXPECT_GT(result.planned_arena, 0u);
  // The updated model is an inference model whose accuracy is the reported one.
  const compiler::LoadedModel updated(result.updated_model, "updated");
  EXPECT_DOUBLE_EQ(host_accuracy(updated, images), result.accuracy_after);
  EXPECT_NE(result.updated_model, model.bytes());
}

TEST(Finetune, RefusesLabelsOutsideTheClassesAndSchemesOfOtherLayers) {
  const compiler::LoadedModel model = small_model();
  datasets::ModelInputs images = quadrant_images(1);
  images.labels[2] = 4;
  HostTrainer trainer;
  try {
    finetune(trainer, model, last_layers_scheme(), images, images, FinetuneOptions{});
    FAIL() << "a label outside the classes was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("training image 2 has label 4"), std::string::npos)
        << error.what();
  }
  compiler::UpdateScheme other;
  other.layers.push_back({"op99", true, 8});
  try {
    training_model(model, other, 0.01f);
    FAIL() << "a scheme naming a layer the model lacks was accepted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("op99"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace tinynas::finetune
