// tinynas float-finetune MODEL.tnm --dataset PATH [--scheme S] [--epochs N] [--learning-rate R]
//                        [--train-limit N] [--test-limit N] [--batch-size B] [--seed S]: the
//                        float baseline of `tinynas finetune`: the model's float version trained
//                        on the host (LibTorch) on the same first N training images for the same
//                        epochs, every layer unless --scheme names some; accuracy before / after
//                        on the first test images.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "apps/commands.h"
#include "apps/dataset_options.h"
#include "datasets/dataset_config.h"
#include "datasets/dataset_option.h"
#include "datasets/dataset_source.h"
#include "datasets/model_inputs.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/update_scheme.h"
#include "nas/search/progress_bar.h"
#include "nas/supernet_backend/float_fine_tune.h"

namespace tinynas::apps {
namespace {

constexpr double kPercent = 100.0;

struct FloatFinetuneOptions {
  std::string model_path;
  std::string scheme_path;  // empty: every layer (full update)
  std::string dataset;
  std::string dataset_kind = datasets::kFashionMnistKind;
  nas::FloatFineTuneOptions finetune;
  int train_limit = 1000;
  int test_limit = 500;
};

void run_float_finetune(const FloatFinetuneOptions& options) {
  const compiler::LoadedModel model = compiler::load_model_file(options.model_path);
  const compiler::Graph graph = compiler::import_model(model.view()).graph;
  const compiler::UpdateScheme scheme = options.scheme_path.empty()
                                            ? compiler::full_update_scheme(graph)
                                            : compiler::load_update_scheme(options.scheme_path);
  const datasets::DatasetConfig config =
      datasets::dataset_option_config(options.dataset, options.dataset_kind, "--dataset");
  const auto parts = datasets::load_dataset(config);
  const compiler::Tensor& input = graph.tensors[graph.input];
  const int classes = graph.tensors[graph.output].shape.c;
  if (parts->num_classes() != classes) {
    throw std::invalid_argument("float-finetune: " + parts->description + " has " +
                                std::to_string(parts->num_classes()) + " classes, " +
                                options.model_path + " " + std::to_string(classes));
  }
  auto inputs = [&](const datasets::LabeledImages& images, int limit) {
    return datasets::model_inputs(images, input.shape.h, input.shape.w, input.shape.c,
                                  config.eval_crop, static_cast<std::size_t>(limit));
  };
  const datasets::ModelInputs train = inputs(parts->train, options.train_limit);
  const datasets::ModelInputs test = inputs(parts->test, options.test_limit);
  fmt::print(
      "{}: {} trained layers ({}); {}: training on the first {} images of {}, accuracy on the "
      "first {} images of {}; {} epochs, learning rate {}, {} image(s) per step, seed {}\n",
      options.model_path, scheme.layers.size(),
      options.scheme_path.empty() ? "every layer" : options.scheme_path, parts->description,
      train.size(), parts->train.name, test.size(), parts->test.name, options.finetune.epochs,
      options.finetune.learning_rate, options.finetune.batch_size, options.finetune.seed);
  std::fflush(stdout);  // before the progress bar on stderr
  nas::ProgressBars progress;
  const nas::FloatFineTuneResult result = nas::float_fine_tune(
      graph, scheme, train, test, options.finetune,
      [&progress](int done, int total) { progress.update("training steps", done, total); });
  progress.interrupt();
  for (std::size_t epoch = 0; epoch < result.epoch_losses.size(); ++epoch) {
    fmt::print("epoch {}: mean loss {:.4f}\n", epoch + 1, result.epoch_losses[epoch]);
  }
  fmt::print(
      "accuracy before: {:.2f}% (float, host)\naccuracy after:  {:.2f}% (float, host, the same "
      "test images)\n",
      result.accuracy_before * kPercent, result.accuracy_after * kPercent);
}

}  // namespace

void register_float_finetune_command(CLI::App& app) {
  auto options = std::make_shared<FloatFinetuneOptions>();
  CLI::App* command = app.add_subcommand(
      "float-finetune",
      "The float baseline of `tinynas finetune`: the model's float version fine-tuned on the "
      "host (LibTorch, plain SGD, every layer unless --scheme names some) on the same images for "
      "the same epochs; reports the float accuracy before / after on the test split");
  command->add_option("model", options->model_path, "the inference model (.tnm)")
      ->required()
      ->check(CLI::ExistingFile);
  command
      ->add_option("--scheme", options->scheme_path,
                   "train only what this tinynas-scheme/1 file names (default: everything)")
      ->check(CLI::ExistingFile);
  add_dataset_options(*command, options->dataset, options->dataset_kind)->required();
  command->add_option("--epochs", options->finetune.epochs, "passes over the training images")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--learning-rate", options->finetune.learning_rate, "SGD learning rate")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_split_limit_options(*command, options->train_limit, options->test_limit);
  command->add_option("--batch-size", options->finetune.batch_size, "images per SGD step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", options->finetune.seed, "order of the images in each epoch")
      ->capture_default_str();
  command->callback([options] { run_float_finetune(*options); });
}

}  // namespace tinynas::apps
