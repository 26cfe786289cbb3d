// tinynas finetune MODEL.tnm --scheme S --dataset PATH --board KIND|host [--port DEV]
//                  [--epochs N] [--learning-rate R] [--train-limit N] [--test-limit N]
//                  -o updated.tnm [--force]: trains the scheme's layers on the board (or the
//                  host), reads the parameters back into an updated model and reports accuracy
//                  before / after, training speed, the measured arena and the loss per epoch.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
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
#include "engine/compiler/model_writer.h"
#include "engine/compiler/update_scheme.h"
#include "finetune/board_trainer.h"
#include "finetune/finetune.h"
#include "finetune/host_trainer.h"
#include "nas/search/progress_bar.h"
#include "profiler/board_connection.h"

namespace tinynas::apps {
namespace {

constexpr double kPercent = 100.0;
constexpr const char* kHostBoard = "host";

struct FinetuneCommandOptions {
  std::string model_path;
  std::string scheme_path;
  std::string dataset;
  std::string dataset_kind = datasets::kFashionMnistKind;
  std::string board;
  std::string port;  // empty: launch the emulated board
  finetune::FinetuneOptions finetune;
  int train_limit = 1000;
  int test_limit = 500;
  std::string output;
  bool force = false;
};

void print_report(const FinetuneCommandOptions& options, const finetune::Trainer& trainer,
                  const finetune::FinetuneResult& result) {
  const double steps = static_cast<double>(result.steps);
  if (trainer.clock_hz() > 0 && result.step_cycles > 0) {
    const double cycles_per_step = static_cast<double>(result.step_cycles) / steps;
    fmt::print(
        "training speed on {}: {:.0f} cycles per image = {:.2f} images/s at {:.0f} MHz (board "
        "cycles); wall {:.2f} images/s with the serial link\n",
        trainer.name(), cycles_per_step, trainer.clock_hz() / cycles_per_step,
        trainer.clock_hz() / 1e6, steps / result.step_seconds);
  } else {
    fmt::print("training speed on the host: {:.1f} images/s (wall time)\n",
               steps / result.step_seconds);
  }
  if (result.measured_arena > 0) {
    fmt::print("training arena: measured {} B (painting) {} planned {} B; stack {} B\n",
               result.measured_arena,
               result.measured_arena == result.planned_arena ? "==" : "!=", result.planned_arena,
               result.stack_bytes);
  } else {
    fmt::print("training arena: planned {} B (+ scratch {} B); measured on boards only\n",
               result.planned_arena, result.planned_scratch);
  }
  fmt::print("accuracy after:  {:.2f}% (int8 host engine, the same test images)\nwrote {}\n",
             result.accuracy_after * kPercent, options.output);
}

void run_finetune(const FinetuneCommandOptions& options) {
  if (std::filesystem::exists(options.output) && !options.force) {
    throw std::invalid_argument("finetune: " + options.output +
                                " exists (pass --force to overwrite it)");
  }
  const compiler::LoadedModel model = compiler::load_model_file(options.model_path);
  const compiler::UpdateScheme scheme = compiler::load_update_scheme(options.scheme_path);
  const datasets::DatasetConfig config =
      datasets::dataset_option_config(options.dataset, options.dataset_kind, "--dataset");
  const auto parts = datasets::load_dataset(config);
  const runtime::ModelView& view = model.view();
  const runtime::TensorInfo input = view.tensor(view.input_tensor());
  const int classes = static_cast<int>(view.tensor(view.output_tensor()).size_bytes);
  if (parts->num_classes() != classes) {
    throw std::invalid_argument("finetune: " + parts->description + " has " +
                                std::to_string(parts->num_classes()) + " classes, " +
                                options.model_path + " " + std::to_string(classes));
  }
  auto inputs = [&](const datasets::LabeledImages& images, int limit) {
    return datasets::model_inputs(images, input.shape.h, input.shape.w, input.shape.c,
                                  config.eval_crop, static_cast<std::size_t>(limit));
  };
  const datasets::ModelInputs train = inputs(parts->train, options.train_limit);
  const datasets::ModelInputs test = inputs(parts->test, options.test_limit);
  if (train.size() == 0) throw std::invalid_argument("finetune: no training images");
  if (test.size() == 0) throw std::invalid_argument("finetune: no test images");

  std::unique_ptr<profiler::BoardConnection> connection;
  std::unique_ptr<finetune::Trainer> trainer;
  if (options.board == kHostBoard) {
    trainer = std::make_unique<finetune::HostTrainer>();
  } else {
    profiler::BoardConnectionOptions connect;
    if (!options.port.empty()) connect.port = options.port;
    connection = std::make_unique<profiler::BoardConnection>(options.board, connect);
    trainer = std::make_unique<finetune::BoardTrainer>(connection->client(), connection->info());
    fmt::print("board {} (firmware {}, {} at {:.0f} MHz)\n", connection->info().board,
               connection->info().firmware_version, connection->info().core,
               connection->info().clock_hz / 1e6);
  }
  fmt::print(
      "{}: {} trained layers; {}: training on the first {} images of {}, accuracy on the first {} "
      "images of {}; {} epochs, learning rate {}, seed {}\n",
      options.model_path, scheme.layers.size(), parts->description, train.size(), parts->train.name,
      test.size(), parts->test.name, options.finetune.epochs, options.finetune.learning_rate,
      options.finetune.seed);
  std::fflush(stdout);  // before the progress bar on stderr

  nas::ProgressBars progress;
  finetune::FinetuneObserver observer;
  observer.accuracy_before = [&](double accuracy) {
    fmt::print("accuracy before: {:.2f}% (int8 host engine)\n", accuracy * kPercent);
    std::fflush(stdout);
  };
  observer.step_done = [&progress](uint64_t done, uint64_t total) {
    progress.update("training steps", static_cast<int64_t>(done), static_cast<int64_t>(total));
  };
  observer.epoch_done = [&progress](int epoch, double loss) {
    progress.interrupt();
    fmt::print("epoch {}: mean loss {:.4f}\n", epoch + 1, loss);
    std::fflush(stdout);
  };
  const finetune::FinetuneResult result =
      finetune::finetune(*trainer, model, scheme, train, test, options.finetune, observer);
  progress.interrupt();
  compiler::write_model_file(options.output, result.updated_model);
  print_report(options, *trainer, result);
}

}  // namespace

void register_finetune_command(CLI::App& app) {
  auto options = std::make_shared<FinetuneCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "finetune",
      "Train a model's layers under a sparse-update scheme on a board (or the host) and write "
      "the updated model: labelled images are streamed over the serial link, the trained "
      "parameters read back; reports accuracy before / after (host int8 engine, test split), "
      "training images/s from the board's cycles, the measured arena and the loss per epoch");
  command->add_option("model", options->model_path, "the inference model (.tnm)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--scheme", options->scheme_path, "the update scheme (tinynas scheme -o)")
      ->required()
      ->check(CLI::ExistingFile);
  add_dataset_options(*command, options->dataset, options->dataset_kind)->required();
  command
      ->add_option("--board", options->board,
                   "board kind (see `tinynas boards`; emulated boards are launched) or host")
      ->required();
  command->add_option("--port", options->port, "serial port of a real board");
  command->add_option("--epochs", options->finetune.epochs, "passes over the training images")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--learning-rate", options->finetune.learning_rate,
                   "SGD learning rate (stored in the training model)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_split_limit_options(*command, options->train_limit, options->test_limit);
  command->add_option("--seed", options->finetune.seed, "order of the images in each epoch")
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "the updated model to write")->required();
  command->add_flag("--force", options->force, "overwrite an existing -o file");
  command->callback([options] { run_finetune(*options); });
}

}  // namespace tinynas::apps
