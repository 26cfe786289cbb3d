// tinynas scheme (MODEL.tnm | --arch F | --net-config F | --tflite F) --dataset PATH --sram BYTES
//                [--flash BYTES] -o scheme.json [--force]: the sparse-update scheme search
//                (contribution analysis by short fine-tunes, then an evolutionary search under
//                the training plan's peak); with --last-layers instead (no dataset) the baseline
//                of the last k layers, k the largest that fits.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "apps/commands.h"
#include "apps/dataset_options.h"
#include "apps/network_source.h"
#include "datasets/dataset_config.h"
#include "datasets/dataset_option.h"
#include "datasets/dataset_source.h"
#include "datasets/model_inputs.h"
#include "engine/compiler/memory_planner.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/training_planner.h"
#include "engine/compiler/update_scheme.h"
#include "nas/search/last_layers_scheme.h"
#include "nas/search/progress_bar.h"
#include "nas/search/scheme_search.h"
#include "nas/supernet_backend/scheme_contribution.h"

namespace tinynas::apps {
namespace {

constexpr double kKilobyte = 1024.0;

struct SchemeOptions {
  NetworkSourceOptions source;
  std::string model_path;
  std::string dataset;
  std::string dataset_kind = datasets::kFashionMnistKind;
  int64_t sram_bytes = 0;
  int64_t flash_bytes = 0;  // 0: not checked
  std::string output;
  bool force = false;
  int train_images = 2000;
  int evaluation_images = 500;
  nas::ContributionOptions contribution;
  nas::SchemeSearchOptions search;
  bool no_reorder = false;
  bool no_master_copies = false;
  bool last_layers = false;
};

// The model's graph (a .tnm's own weights, or a network with seeded random weights) and its flash
// bytes: training copies the trained parameters into SRAM, so flash does not depend on the
// scheme.
compiler::Graph model_graph(const SchemeOptions& options, std::string* subject,
                            int64_t* flash_bytes) {
  if (!options.model_path.empty()) {
    const compiler::LoadedModel model = compiler::load_model_file(options.model_path);
    *subject = options.model_path;
    compiler::ImportedModel imported = compiler::import_model(model.view());
    *flash_bytes = compiler::make_memory_report(imported.graph, imported.plan).flash_bytes;
    return std::move(imported.graph);
  }
  compiler::Graph graph = load_network_graph(options.source, subject);
  *flash_bytes = compiler::make_memory_report(
                     graph, compiler::plan_memory(graph, planner_options(options.source)))
                     .flash_bytes;
  return graph;
}

void write_scheme(const compiler::UpdateScheme& scheme, const std::string& path) {
  std::ofstream out(path);
  out << compiler::scheme_to_json(scheme).dump(2) << "\n";
  if (!out) throw std::runtime_error("scheme: cannot write " + path);
}

void run_last_layers(const compiler::ValidatedGraph& graph, const SchemeOptions& options) {
  const nas::LastLayersScheme result =
      nas::largest_last_layers_scheme(graph, options.sram_bytes, options.search.training);
  write_scheme(result.scheme, options.output);
  fmt::print(
      "scheme: weights and biases of the last {} of {} layers with weights{}\n"
      "planned training peak: {} B ({:.1f} KB) <= --sram {} B (tinynas training planner; a plan, "
      "not a board measurement)\nwrote {}\n",
      result.k, nas::trainable_layer_names(graph.graph()).size(),
      result.k == 0 ? " (none fits: the classifier's bias alone)" : "", result.peak_sram_bytes,
      static_cast<double>(result.peak_sram_bytes) / kKilobyte, options.sram_bytes, options.output);
}

void run_scheme(SchemeOptions options) {
  if (std::filesystem::exists(options.output) && !options.force) {
    throw std::invalid_argument("scheme: " + options.output +
                                " exists (pass --force to overwrite it)");
  }
  std::string subject;
  int64_t flash_bytes = 0;
  const compiler::Graph graph = model_graph(options, &subject, &flash_bytes);
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kPlanning, "scheme");
  if (options.flash_bytes > 0 && flash_bytes > options.flash_bytes) {
    throw std::invalid_argument("scheme: the model needs " + std::to_string(flash_bytes) +
                                " B of flash, --flash is " + std::to_string(options.flash_bytes) +
                                " B");
  }
  options.search.training.reorder = !options.no_reorder;
  options.search.training.master_copies = !options.no_master_copies;
  options.search.training.in_place_depthwise = !options.source.no_in_place;
  const int64_t minimum = compiler::minimum_training_bytes(validated);
  if (options.sram_bytes < minimum) throw nas::BudgetTooSmall(options.sram_bytes, minimum);
  options.search.sram_bytes = options.sram_bytes;
  if (options.last_layers) {
    run_last_layers(validated, options);
    return;
  }

  const datasets::DatasetConfig config =
      datasets::dataset_option_config(options.dataset, options.dataset_kind, "--dataset");
  const auto parts = datasets::load_dataset(config);
  const compiler::Tensor& input = graph.tensors[graph.input];
  const int classes = graph.tensors[graph.output].shape.c;
  if (parts->num_classes() != classes) {
    throw std::invalid_argument("scheme: " + parts->description + " has " +
                                std::to_string(parts->num_classes()) +
                                " classes, the model's classifier " + std::to_string(classes));
  }
  // Fine-tunes learn from the training split; accuracy is measured on the source's validation
  // split, else on training images held out of the fine-tunes (never on the test split).
  const datasets::LabeledImages& train_images = parts->train;
  const size_t held_out = parts->validation ? 0 : static_cast<size_t>(options.evaluation_images);
  if (train_images.size() <= held_out) {
    throw std::invalid_argument("scheme: " + parts->description + " has " +
                                std::to_string(train_images.size()) +
                                " training images, fewer than --eval-images holds out");
  }
  const size_t train_count =
      std::min(train_images.size() - held_out, static_cast<size_t>(options.train_images));
  auto inputs = [&](const datasets::LabeledImages& images, size_t count) {
    return datasets::model_inputs(images, input.shape.h, input.shape.w, input.shape.c,
                                  config.eval_crop, count);
  };
  const datasets::ModelInputs train = inputs(train_images, train_count);
  datasets::ModelInputs evaluation;
  if (parts->validation) {
    evaluation = inputs(*parts->validation, static_cast<size_t>(options.evaluation_images));
  } else {
    std::vector<size_t> tail;
    for (size_t i = train_images.size() - held_out; i < train_images.size(); ++i) tail.push_back(i);
    evaluation = inputs(datasets::select_images(train_images, tail), held_out);
  }
  fmt::print("{}: {} layers with weights; {} ({} training, {} evaluation images)\n", subject,
             nas::trainable_layer_names(graph).size(), parts->description, train.size(),
             evaluation.size());
  std::fflush(stdout);  // before the progress bars on stderr

  nas::ProgressBars progress;
  const nas::ContributionTable table = nas::measure_contributions(
      graph, train, evaluation, options.contribution,
      [&progress](int done, int total) { progress.update("fine-tunes", done, total); });
  const nas::SchemeSearchResult result = nas::search_update_scheme(
      validated, table, options.search,
      [&progress](int done, int total) { progress.update("evolution", done, total); });
  progress.interrupt();

  write_scheme(result.scheme, options.output);
  int weights = 0;
  int biases = 0;
  for (const compiler::LayerUpdate& layer : result.scheme.layers) {
    weights += layer.weight_eighths > 0 ? 1 : 0;
    biases += layer.bias ? 1 : 0;
  }
  fmt::print(
      "scheme: biases of the last {} layers, weights of {} layers; summed contribution {:+.2f} "
      "points of accuracy ({} schemes planned)\n"
      "planned training peak: {} B ({:.1f} KB) <= --sram {} B (tinynas training planner; a plan, "
      "not a board measurement)\nwrote {}\n",
      biases, weights, result.contribution * 100.0, result.planned, result.peak_sram_bytes,
      static_cast<double>(result.peak_sram_bytes) / kKilobyte, options.sram_bytes, options.output);
}

}  // namespace

void register_scheme_command(CLI::App& app) {
  auto options = std::make_shared<SchemeOptions>();
  CLI::App* command = app.add_subcommand(
      "scheme",
      "Search a sparse-update scheme (which biases and how much of which weights train on the "
      "device) under an SRAM budget: contribution of each update by short fine-tunes on the "
      "dataset, then an evolutionary search under the training plan's peak");
  const NetworkSourceFlags flags = add_network_source_options(*command, options->source);
  CLI::Option* model = command->add_option("model", options->model_path, "a .tnm model file")
                           ->check(CLI::ExistingFile);
  model->excludes(flags.arch)->excludes(flags.net_config)->excludes(flags.tflite);
  add_dataset_options(*command, options->dataset, options->dataset_kind);
  command->add_option("--sram", options->sram_bytes, "training memory budget, bytes")
      ->required()
      ->check(CLI::PositiveNumber);
  command->add_option("--flash", options->flash_bytes, "flash budget, bytes (the model's file)")
      ->check(CLI::PositiveNumber);
  command->add_option("-o,--output", options->output, "the scheme file to write")->required();
  command->add_flag("--force", options->force, "overwrite an existing -o file");
  command->add_option("--batches", options->contribution.batches, "SGD steps per fine-tune")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--batch-size", options->contribution.batch_size, "images per step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--lr", options->contribution.learning_rate, "fine-tune learning rate")
      ->capture_default_str();
  command->add_option("--train-images", options->train_images, "at most this many training images")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--eval-images", options->evaluation_images,
                   "images the accuracy of each fine-tune is measured on (the validation split, "
                   "else held out of the training split)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--population", options->search.population, "evolution: population")
      ->capture_default_str()
      ->check(CLI::Range(4, 100000));
  command->add_option("--generations", options->search.generations, "evolution: generations")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--no-reorder", options->no_reorder,
                    "plan without operator reordering (every update after the whole backward)");
  command->add_flag("--no-master-copies", options->no_master_copies,
                    "plan without float32 master copies of the trained parameters");
  command->add_flag("--last-layers", options->last_layers,
                    "the baseline instead of the search: weights and biases of the last k "
                    "layers, k the largest whose training plan fits --sram (no --dataset)");
  command->callback([options] {
    if (options->model_path.empty() && !has_network_source(options->source)) {
      throw std::invalid_argument(
          "scheme: pass MODEL.tnm, --arch FILE, --net-config FILE or --tflite FILE");
    }
    if (options->dataset.empty() && !options->last_layers) {
      throw std::invalid_argument("scheme: --dataset is required (except with --last-layers)");
    }
    SchemeOptions run = *options;
    // --seed (the network source's: random weights of an arch / net config) also seeds the
    // fine-tunes' batch order and the evolution.
    run.contribution.seed = run.source.seed;
    run.search.seed = run.source.seed;
    run_scheme(run);
  });
}

}  // namespace tinynas::apps
