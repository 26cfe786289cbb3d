// tinynas compile (--arch F | --net-config F) [--random-weights] -o MODEL.tnm
//                 or --tflite F | MODEL.tnm -o MODEL.tnm (the model's own weights)
//                 [--new-classifier N [--seed S]]: the classifier replaced by N new classes
//                 [--train-scheme S [--learning-rate R]]: a training model (format version 3)
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <stdexcept>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_import.h"
#include "engine/compiler/model_writer.h"
#include "engine/compiler/new_classifier.h"
#include "engine/compiler/training_model_writer.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::apps {

namespace {

struct CompileOptions {
  NetworkSourceOptions source;
  std::string model_path;  // a .tnm whose graph and weights are recompiled
  int new_classifier = 0;  // > 0: replace the classifier by one of this many classes
  bool random_weights = false;
  std::string output_path;
  std::string train_scheme_path;  // --train-scheme: write the training model of this scheme
  float learning_rate = 0.01f;
};

void run_compile_training(const CompileOptions& options, const compiler::Graph& graph) {
  const compiler::UpdateScheme scheme = compiler::load_update_scheme(options.train_scheme_path);
  const compiler::ValidatedGraph validated =
      compiler::validate_graph(graph, compiler::GraphUse::kModelFile, "compile");
  const std::vector<uint8_t> bytes =
      compiler::write_training_model(validated, scheme, options.learning_rate);
  compiler::write_model_file(options.output_path, bytes);
  const compiler::TrainingMemory memory = compiler::plan_training_memory(validated, scheme);
  fmt::print(
      "wrote {}: training model of {} ({} trained layers, {} train ops), {} bytes (flash), "
      "peak training SRAM {} bytes (arena {} + scratch {}), learning rate {}\n",
      options.output_path, options.train_scheme_path, memory.training.layers.size(),
      memory.training.ops.size(), bytes.size(), memory.plan.peak_sram_bytes(),
      memory.plan.arena_bytes, memory.plan.scratch_bytes, options.learning_rate);
}

// The network with its weights: a .tnm's or a TFLite model's own, or seeded random ones.
compiler::Graph compile_source_graph(const CompileOptions& options) {
  if (!options.model_path.empty()) {
    const compiler::LoadedModel model = compiler::load_model_file(options.model_path);
    return compiler::import_model(model.view()).graph;
  }
  if (!options.random_weights && options.source.tflite_path.empty()) {
    throw std::invalid_argument(
        "no weights for this network: pass --random-weights to study memory and latency "
        "without training (trained subnets are lowered by `tinynas eval --int8`)");
  }
  std::string name;
  return load_network_graph(options.source, &name);
}

void run_compile(const CompileOptions& options) {
  compiler::Graph graph = compile_source_graph(options);
  if (options.new_classifier > 0) {
    compiler::replace_classifier(graph, options.new_classifier, options.source.seed);
  }
  if (!options.train_scheme_path.empty()) {
    run_compile_training(options, graph);
    return;
  }
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, planner_options(options.source));
  const std::vector<uint8_t> bytes = compiler::write_model(graph, plan);
  compiler::write_model_file(options.output_path, bytes);
  fmt::print(
      "wrote {}: {} ops, {} tensors, {} bytes (flash), peak SRAM {} bytes "
      "(arena {} + scratch {}), {} MACs, schedule {}\n",
      options.output_path, graph.ops.size(), graph.tensors.size(), bytes.size(),
      plan.peak_sram_bytes(), plan.arena_bytes, plan.scratch_bytes, compiler::graph_macs(graph),
      compiler::schedule_name(plan.schedule));
  if (plan.patch.enabled()) {
    fmt::print("patch stage: ops 0-{} in {} x {} patches, MAC overhead {}\n", plan.patch.split - 1,
               plan.patch.grid, plan.patch.grid, plan.mac_overhead);
  }
}

}  // namespace

void register_compile_command(CLI::App& app) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* command = app.add_subcommand("compile", "Build an int8 .tnm model file");
  const NetworkSourceFlags flags = add_network_source_options(*command, options->source);
  flags.arch->required(false);
  CLI::Option* model =
      command->add_option("model", options->model_path, "a .tnm model (its graph and weights)")
          ->check(CLI::ExistingFile);
  model->excludes(flags.arch)->excludes(flags.net_config)->excludes(flags.tflite);
  command
      ->add_option("--new-classifier", options->new_classifier,
                   "replace the classifier by a new one of N classes (seeded small weights, "
                   "--seed; biases zero) for a new task")
      ->check(CLI::Range(2, 1 << 16));
  command->add_flag("--random-weights", options->random_weights,
                    "seeded random int8 weights (memory and latency do not depend on values)");
  command->add_option("-o,--output", options->output_path, "the .tnm file to write")->required();
  command->add_option("--train-scheme", options->train_scheme_path,
                      "a tinynas-scheme/1 file: write the model with its compiled training graph "
                      "(plain schedule, the training plan's arena)");
  command
      ->add_option("--learning-rate", options->learning_rate,
                   "with --train-scheme: the SGD learning rate stored in the model")
      ->check(CLI::PositiveNumber);
  command->callback([options] {
    if (options->model_path.empty() && !has_network_source(options->source)) {
      throw std::invalid_argument(
          "compile: pass MODEL.tnm, --arch FILE, --net-config FILE or --tflite FILE");
    }
    run_compile(*options);
  });
}

}  // namespace tinynas::apps
